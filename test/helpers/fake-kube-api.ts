/**
 * A local stand-in for the Kubernetes API server's Node endpoints (no real API server can run on
 * this machine). It holds Node objects, checks the Bearer token, and answers like the real one for
 * what the kubernetes action uses: GET a node; PATCH a node or its /status with the three patch
 * content types (JSON patch with `test` ops, merge patch, strategic merge where conditions merge
 * by type and taints are atomic); 415 for other types; 422 "Testing value … failed" when a test
 * op fails; 422 for duplicate taints; 409 for a stale metadata.resourceVersion; the main resource
 * ignores status changes and /status ignores spec changes; resourceVersion moves on every write.
 * `interfere(n)` makes another writer change the node just before each of the next n patches;
 * `conflict(n)` answers the next n patches 409, as the server does when its own retries run out.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import type { TestContext } from 'node:test';
import { onCleanup } from './cleanup.ts';

/** One recorded request. */
export interface KubeRequest {
  method: string;
  path: string;
  contentType?: string;
  authorization?: string;
  body?: unknown;
}

/** The running stand-in. */
export interface FakeKubeApi {
  url: string;
  requests: KubeRequest[];
  /** Node objects by name (tests may read and change them). */
  nodes: Map<string, Node>;
  interfere(times: number): void;
  conflict(times: number): void;
}

type Node = { metadata: { name: string; resourceVersion: string; labels?: Record<string, string> }; spec: Record<string, unknown>; status: Record<string, unknown> };
type Json = Record<string, unknown>;

const ACCEPTED = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml', 'application/strategic-merge-patch+json'];

/** A Ready node named `name` with optional spec fields. */
export function readyNode(name: string, spec: Record<string, unknown> = {}, ready = 'True'): Node {
  return { metadata: { name, resourceVersion: '100' }, spec, status: { conditions: [{ type: 'Ready', status: ready, reason: 'KubeletReady', message: 'kubelet is posting ready status' }] } };
}

/** Starts the stand-in on 127.0.0.1; closed after the test. */
export async function startFakeKubeApi(t: TestContext, token: string, nodes: Node[]): Promise<FakeKubeApi> {
  const api = { requests: [] as KubeRequest[], nodes: new Map(nodes.map((n) => [n.metadata.name, structuredClone(n)])), interfering: 0, conflicting: 0, version: 100 };
  const server = createServer(async (req, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    const record: KubeRequest = { method: req.method!, path: req.url!, contentType: req.headers['content-type'], authorization: req.headers.authorization };
    try {
      record.body = text ? JSON.parse(text) : undefined;
    } catch {
      record.body = text;
    }
    api.requests.push(record);
    handle(api, req, res, record);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onCleanup(t, () => {
    server.closeAllConnections();
    server.close();
  });
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    requests: api.requests,
    nodes: api.nodes,
    interfere: (times) => void (api.interfering = times),
    conflict: (times) => void (api.conflicting = times),
  };

  function handle(state: typeof api, req: IncomingMessage, res: ServerResponse, record: KubeRequest): void {
    const status = (code: number, reason: string, message: string): void => {
      res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }));
    };
    if (req.headers.authorization !== `Bearer ${token}`) return status(401, 'Unauthorized', 'Unauthorized');
    const match = /^\/api\/v1\/nodes\/([^/]+)(\/status)?$/.exec(record.path);
    const node = match ? state.nodes.get(match[1]!) : undefined;
    if (!match || !node) return status(404, 'NotFound', `nodes "${match?.[1] ?? ''}" not found`);
    const reply = (value: Node): void => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(value));
    };
    if (req.method === 'GET') return reply(node);
    if (req.method !== 'PATCH') return status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    const type = record.contentType?.split(';')[0];
    if (!type || !ACCEPTED.includes(type) || type === 'application/apply-patch+yaml') {
      return status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${ACCEPTED.join(', ')}`);
    }
    if (state.conflicting > 0) {
      state.conflicting--;
      return status(409, 'Conflict', `Operation cannot be fulfilled on nodes "${node.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`);
    }
    if (state.interfering > 0) {
      state.interfering--;
      node.metadata.labels = { ...node.metadata.labels, 'other-writer': String(state.interfering) };
      node.metadata.resourceVersion = String(++state.version);
    }
    let patched: Node;
    try {
      patched = type === 'application/json-patch+json' ? jsonPatch(node, record.body) : mergePatch(node, record.body, type === 'application/strategic-merge-patch+json') as Node;
    } catch (err) {
      return status(422, 'Invalid', (err as Error).message);
    }
    const sent = (record.body as { metadata?: { resourceVersion?: string } } | undefined)?.metadata?.resourceVersion;
    if (type !== 'application/json-patch+json' && sent !== undefined && sent !== node.metadata.resourceVersion) {
      return status(409, 'Conflict', `Operation cannot be fulfilled on nodes "${node.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`);
    }
    // The main resource ignores status; /status ignores everything but status.
    const result: Node = match[2] ? { ...structuredClone(node), status: patched.status } : { ...patched, status: structuredClone(node.status) };
    const taints = (result.spec.taints ?? []) as Array<{ key: string; effect: string }>;
    const pairs = taints.map((x) => `${x.key}:${x.effect}`);
    if (new Set(pairs).size !== pairs.length) return status(422, 'Invalid', `Node "${node.metadata.name}" is invalid: spec.taints: Duplicate value: taints must be unique by key and effect pair`);
    if (!isDeepStrictEqual(result, node)) result.metadata.resourceVersion = String(++state.version);
    state.nodes.set(node.metadata.name, result);
    reply(result);
  }
}

/** RFC 6902 on a copy (add, remove, replace, test; JSON pointers with ~0 ~1). */
function jsonPatch(doc: Node, ops: unknown): Node {
  const copy = structuredClone(doc) as unknown as Json;
  if (!Array.isArray(ops)) throw new Error('the patch is not a JSON array');
  for (const op of ops as Array<{ op: string; path: string; value?: unknown }>) {
    const parts = op.path.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop()!;
    let parent: Json | unknown[] = copy;
    for (const part of parts) {
      parent = (parent as Json)[part] as Json;
      if (parent === undefined || parent === null) throw new Error(`jsonpatch ${op.op} operation does not apply: doc is missing path: "${op.path}"`);
    }
    const list = Array.isArray(parent) ? parent : undefined;
    const index = last === '-' ? list?.length ?? -1 : Number(last);
    if (op.op === 'test') {
      const current = list ? list[index] : (parent as Json)[last];
      if (!isDeepStrictEqual(current, op.value)) throw new Error(`Testing value ${op.path} failed`);
    } else if (op.op === 'add') {
      if (list) list.splice(index, 0, op.value);
      else (parent as Json)[last] = op.value;
    } else if (op.op === 'remove' || op.op === 'replace') {
      if (list ? index >= list.length : !(last in (parent as Json))) throw new Error(`jsonpatch ${op.op} operation does not apply: doc is missing key: ${op.path}`);
      if (op.op === 'remove') list ? list.splice(index, 1) : delete (parent as Json)[last];
      else list ? (list[index] = op.value) : ((parent as Json)[last] = op.value);
    } else {
      throw new Error(`Unexpected kind: ${op.op}`);
    }
  }
  return copy as unknown as Node;
}

/** RFC 7386 merge patch; with `strategic`, status.conditions merge by `type` (taints stay atomic). */
function mergePatch(target: unknown, patch: unknown, strategic: boolean, path = ''): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
    if (strategic && path === '/status/conditions' && Array.isArray(patch) && Array.isArray(target)) {
      const merged = structuredClone(target) as Json[];
      for (const item of patch as Json[]) {
        const at = merged.findIndex((c) => c.type === item.type);
        if (at >= 0) merged[at] = { ...merged[at], ...item };
        else merged.push(item);
      }
      return merged;
    }
    return structuredClone(patch);
  }
  const out: Json = target !== null && typeof target === 'object' && !Array.isArray(target) ? structuredClone(target as Json) : {};
  for (const [key, value] of Object.entries(patch as Json)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value, strategic, `${path}/${key}`);
  }
  return out;
}
