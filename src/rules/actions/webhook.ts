/**
 * @module rules/actions/webhook
 * POSTs each fire (and undo, unless `undo: false`) to a URL:
 * - `format: json` (default): `{"phase","rule","key","node","reason","dryRun","event"}`;
 *   `format: cloudevents`: one CloudEvent in structured mode (api/cloudevents.ts) whose `id` is the
 *   delivery id and with extensions `phase`, `rule` and `node`;
 * - header `X-Fsevd-Delivery`: `NODE:SEQ:RULE:PHASE`, the same for every attempt and after a
 *   restart, so a receiver can drop repeats (deliveries are at least once);
 * - with `secret`: header `X-Fsevd-Signature: sha256=HEX`, the HMAC-SHA256 of the exact body
 *   under the secret (check it in constant time);
 * - each attempt ends at `timeout`; a network error, a timeout, 408, 429 or 5xx is tried again up
 *   to `retries` more times after `backoff`, doubling; any other status is a failure at once.
 * Never follows redirects (a 3xx is a failure): the receiver is what the rule names.
 */
import { createHmac } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { CLOUDEVENTS_CONTENT_TYPE, toCloudEvent } from '../../api/cloudevents.ts';
import { durationMs, durationSchema } from '../duration.ts';
import type { Action, ActionContext, ActionModule, ActionRequest, ActionResult } from '../types.ts';

/** Header carrying the HMAC of the body. */
export const SIGNATURE_HEADER = 'x-fsevd-signature';
/** Header carrying the delivery id. */
export const DELIVERY_HEADER = 'x-fsevd-delivery';

/** Settings of a webhook action. */
export const configSchema = Type.Object(
  {
    url: Type.String({ pattern: '^https?://[^\\s]+$', description: 'Receiver URL (http or https).' }),
    format: Type.Union([Type.Literal('json'), Type.Literal('cloudevents')], { default: 'json', description: 'Body: fsevd JSON or a CloudEvent (structured mode).' }),
    headers: Type.Record(Type.String({ pattern: '^[A-Za-z0-9-]+$' }), Type.String({ pattern: '^[^\\r\\n]*$' }), { default: {}, description: 'Extra request headers (e.g. Authorization).' }),
    secret: Type.Optional(Type.String({ minLength: 16, description: 'HMAC-SHA256 key; adds X-Fsevd-Signature: sha256=HEX of the body.' })),
    timeout: durationSchema('Time allowed per attempt.', '10s'),
    retries: Type.Integer({ minimum: 0, maximum: 10, default: 3, description: 'More attempts after a retryable failure.' }),
    backoff: durationSchema('Wait before the first retry; doubles after each.', '500ms'),
    undo: Type.Boolean({ default: true, description: 'Also POST on undo (phase "undo").' }),
  },
  { additionalProperties: false },
);

type WebhookConfig = Static<typeof configSchema>;

/** Statuses worth another attempt. */
const RETRY_STATUS = (status: number) => status === 408 || status === 429 || status >= 500;

function create(config: WebhookConfig, context: ActionContext): Action {
  const timeoutMs = durationMs(config.timeout);
  const backoffMs = durationMs(config.backoff);
  return {
    undoable: config.undo,
    idempotent: true,
    async run(request: ActionRequest): Promise<ActionResult> {
      const { event } = request;
      const delivery = `${event.node}:${event.seq}:${request.rule}:${request.phase}`;
      const body = config.format === 'cloudevents'
        ? JSON.stringify({ ...toCloudEvent(event), id: delivery, phase: request.phase, rule: request.rule, node: request.node })
        : JSON.stringify({ phase: request.phase, rule: request.rule, key: request.key, node: request.node, reason: request.reason, dryRun: request.dryRun, event });
      if (request.dryRun) return { outcome: 'skipped', detail: `dry run: would POST ${body.length} bytes (${config.format}) to ${config.url}` };
      const headers: Record<string, string> = {
        ...config.headers,
        'content-type': config.format === 'cloudevents' ? CLOUDEVENTS_CONTENT_TYPE : 'application/json',
        [DELIVERY_HEADER]: delivery,
      };
      if (config.secret !== undefined) headers[SIGNATURE_HEADER] = `sha256=${createHmac('sha256', config.secret).update(body).digest('hex')}`;
      let last = '';
      for (let attempt = 0; attempt <= config.retries; attempt++) {
        if (attempt > 0 && !(await sleep(backoffMs * 2 ** (attempt - 1), request.signal))) break;
        const answer = await post(config.url, headers, body, AbortSignal.any([request.signal, AbortSignal.timeout(timeoutMs)]));
        if (answer.status !== undefined && answer.status >= 200 && answer.status < 300) return { outcome: 'done', detail: `HTTP ${answer.status} after ${attempt + 1} attempt(s)` };
        last = answer.status === undefined ? answer.error! : `HTTP ${answer.status}`;
        context.log.debug({ rule: request.rule, url: config.url, attempt: attempt + 1, result: last }, 'Webhook attempt failed');
        if (answer.status !== undefined && !RETRY_STATUS(answer.status)) return { outcome: 'failed', detail: `${last} from ${config.url}` };
        if (request.signal.aborted) break;
      }
      return { outcome: 'failed', timedOut: last === 'timeout', detail: `${last} from ${config.url} after ${config.retries + 1} attempt(s)` };
    },
  };
}

async function post(url: string, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<{ status?: number; error?: string }> {
  try {
    const response = await fetch(url, { method: 'POST', headers, body, signal, redirect: 'manual' });
    // The body is not needed; reading it frees the connection.
    await response.arrayBuffer().catch(() => undefined);
    return { status: response.status };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    return { error: e.name === 'TimeoutError' || e.name === 'AbortError' ? 'timeout' : (e.cause?.code ?? e.cause?.message ?? e.message) };
  }
}

/** Waits, or returns false at once when the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (value: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(value);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The webhook action module. */
export const webhook = { configSchema, create } satisfies ActionModule;
