/**
 * @module rules/scheduler/api
 * JSON calls to a scheduler's HTTP API (Kubernetes, Nomad) on top of sendHttp: a 2xx reply is a
 * value; any other status is a `failed` step whose `retryable` follows the status (5xx, 429 and
 * 409 may pass later; 4xx such as 401/403/404 will not without a fix).
 */
import { failed, ok, type Step } from './drain-action.ts';
import { sendHttp, type HttpCall, type HttpReply } from './http.ts';
import { oneLine } from './tool.ts';

/** Statuses worth retrying later. */
export function retryableStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 409;
}

/** Sends a call; only 2xx replies are values. */
export async function callApi(call: HttpCall): Promise<Step<HttpReply>> {
  const sent = await sendHttp(call);
  if (!sent.ok || (sent.value.status >= 200 && sent.value.status < 300)) return sent;
  return failed(`${call.method} ${new URL(call.url).pathname}: HTTP ${sent.value.status} ${oneLine(sent.value.text)}`, retryableStatus(sent.value.status));
}

/** A reply's JSON object (an empty object when the body is not one). */
export function jsonObject(reply: HttpReply): Record<string, unknown> {
  return reply.json !== null && typeof reply.json === 'object' && !Array.isArray(reply.json) ? (reply.json as Record<string, unknown>) : {};
}

/** Reads a secret or CA file given in settings, as a step. */
export async function readSetting(path: string | undefined, what: string, read: (path: string) => Promise<string>): Promise<Step<string | undefined>> {
  if (path === undefined) return ok(undefined);
  try {
    return ok((await read(path)).trim());
  } catch (err) {
    return failed(`cannot read the ${what} ${path}: ${(err as Error).message}`, false);
  }
}
