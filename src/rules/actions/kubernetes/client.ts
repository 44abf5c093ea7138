/**
 * @module rules/actions/kubernetes/client
 * How the kubernetes action reaches the API server: in a pod, the service account's way
 * (https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT, the projected token re-read at every
 * call because it rotates, and the service account's CA); outside, a configured URL, token file
 * and CA. Each call sends `Authorization: Bearer` and the content type the patch kind needs.
 */
import { readFile } from 'node:fs/promises';
import { readSetting } from '../../scheduler/api.ts';
import { failed, ok, type Step } from '../../scheduler/drain-action.ts';
import { sendHttp, type HttpReply } from '../../scheduler/http.ts';

/** The service account's files inside a pod. */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Where and how to connect. */
export interface KubeConnection {
  apiServer?: string;
  tokenFile: string;
  caFile?: string;
  timeoutMs: number;
}

/** Content types of the patch kinds the action sends. */
export const JSON_PATCH = 'application/json-patch+json';
export const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';

/** A call to the API server. */
export interface KubeCall {
  method: 'GET' | 'PATCH';
  path: string;
  body?: unknown;
  contentType?: string;
  signal: AbortSignal;
}

/** The API server's URL, from the settings or the in-cluster environment. */
export function apiServerUrl(connection: KubeConnection, env: NodeJS.ProcessEnv): Step<{ url: string; inCluster: boolean }> {
  if (connection.apiServer) return ok({ url: connection.apiServer.replace(/\/+$/, ''), inCluster: false });
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) return failed('not in a Kubernetes pod (no KUBERNETES_SERVICE_HOST/PORT) and no apiServer set', false);
  return ok({ url: `https://${host.includes(':') ? `[${host}]` : host}:${port}`, inCluster: true });
}

/** Sends one call; resolves to the reply whatever its status (the caller decides). */
export async function kubeRequest(connection: KubeConnection, call: KubeCall): Promise<Step<HttpReply>> {
  const server = apiServerUrl(connection, process.env);
  if (!server.ok) return server;
  const token = await readSetting(connection.tokenFile, 'service account token', (p) => readFile(p, 'utf8'));
  if (!token.ok) return token;
  const caFile = connection.caFile ?? (server.value.inCluster ? `${SERVICE_ACCOUNT_DIR}/ca.crt` : undefined);
  const ca = await readSetting(caFile, 'CA file', (p) => readFile(p, 'utf8'));
  if (!ca.ok) return ca;
  const headers: Record<string, string> = { authorization: `Bearer ${token.value}` };
  if (call.contentType) headers['content-type'] = call.contentType;
  return sendHttp({
    url: `${server.value.url}${call.path}`,
    method: call.method,
    headers,
    body: call.body === undefined ? undefined : JSON.stringify(call.body),
    ca: ca.value,
    timeoutMs: connection.timeoutMs,
    signal: call.signal,
  });
}
