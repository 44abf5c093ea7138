/**
 * @module rules/actions/nomad
 * The `nomad` action: makes the node ineligible for new allocations (`POST /v1/node/:id/eligibility
 * {"Eligibility":"ineligible"}`; running allocations stay — never a drain, which would migrate
 * them) and eligible again on undo. Eligibility has no reason field, so ownership is a dynamic node
 * meta key (`fsevd_drained` by default, value "fsevd: <reason>"), written through
 * `POST /v1/client/metadata` before the node is made ineligible and deleted (null) after it is
 * eligible again. It reads `GET /v1/node/:id` and the node's current metadata (`GET
 * /v1/client/metadata?node_id=`, which is up to date at once, unlike the node's Meta) first: a
 * node that is not `ready` is not touched; an ineligible node without our key, or with a drain in
 * progress, is someone else's. `node` may be the node's name or its ID. Needs ACL `node:write`
 * (X-Nomad-Token).
 */
import { readFile } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import type { ActionModule } from '../types.ts';
import { callApi, jsonObject, readSetting } from '../scheduler/api.ts';
import { createDrainAction, failed, ok, type NodeDriver, type Step } from '../scheduler/drain-action.ts';
import { markReason } from '../scheduler/marker.ts';
import { commonSettings } from '../scheduler/settings.ts';

/** Settings of a `nomad` action in a rule. */
export const configSchema = Type.Object(
  {
    ...commonSettings,
    address: Type.String({ pattern: '^https?://', default: 'http://127.0.0.1:4646', description: 'Nomad HTTP API address.' }),
    tokenFile: Type.Optional(Type.String({ minLength: 1, description: 'File holding an ACL token with node:write (sent as X-Nomad-Token; re-read at each run).' })),
    caFile: Type.Optional(Type.String({ minLength: 1, description: 'PEM CA to trust for an https address.' })),
    metaKey: Type.String({ pattern: '^[A-Za-z0-9_.-]+$', maxLength: 128, default: 'fsevd_drained', description: 'Dynamic node meta key that marks the ineligibility as fsevd\'s.' }),
  },
  { additionalProperties: false },
);

/** Validated settings. */
export type NomadConfig = Static<typeof configSchema>;

/** What fsevd needs of a Nomad node. */
export interface NomadNode {
  id: string;
  status: string;
  eligible: boolean;
  draining: boolean;
  /** Our meta value, when set. */
  marker?: string;
}

const NODE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The Nomad driver. */
export function nomadDriver(config: NomadConfig): NodeDriver<NomadNode> {
  const call = async (signal: AbortSignal, method: 'GET' | 'POST', path: string, body?: unknown) => {
    const token = await readSetting(config.tokenFile, 'Nomad token file', (p) => readFile(p, 'utf8'));
    const ca = await readSetting(config.caFile, 'CA file', (p) => readFile(p, 'utf8'));
    if (!token.ok) return token;
    if (!ca.ok) return ca;
    const headers: Record<string, string> = token.value ? { 'x-nomad-token': token.value } : {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    return callApi({ url: new URL(path, config.address).toString(), method, headers, body: body === undefined ? undefined : JSON.stringify(body), ca: ca.value, timeoutMs: config.timeoutMs, signal });
  };
  const nodeId = async (node: string, signal: AbortSignal): Promise<Step<string>> => {
    if (NODE_ID.test(node)) return ok(node);
    const listed = await call(signal, 'GET', '/v1/nodes');
    if (!listed.ok) return listed;
    const ids = (Array.isArray(listed.value.json) ? (listed.value.json as Array<{ ID?: string; Name?: string }>) : []).filter((n) => n.Name === node).map((n) => n.ID);
    if (ids.length !== 1 || !ids[0]) return failed(`${ids.length === 0 ? 'no' : 'more than one'} Nomad node named ${node}`, false);
    return ok(ids[0]);
  };
  const setMarker = (signal: AbortSignal, id: string, value: string | null) => call(signal, 'POST', '/v1/client/metadata', { NodeID: id, Meta: { [config.metaKey]: value } });
  const setEligible = (signal: AbortSignal, id: string, eligible: boolean) =>
    call(signal, 'POST', `/v1/node/${id}/eligibility`, { Eligibility: eligible ? 'eligible' : 'ineligible' });
  return {
    async read(node, signal) {
      const id = await nodeId(node, signal);
      if (!id.ok) return id;
      const shown = await call(signal, 'GET', `/v1/node/${id.value}`);
      if (!shown.ok) return shown;
      const meta = await call(signal, 'GET', `/v1/client/metadata?node_id=${id.value}`);
      if (!meta.ok) return meta;
      const n = jsonObject(shown.value);
      const marker = (jsonObject(meta.value).Meta as Record<string, string | undefined> | undefined)?.[config.metaKey];
      const raw: NomadNode = { id: id.value, status: String(n.Status), eligible: n.SchedulingEligibility !== 'ineligible', draining: n.DrainStrategy != null, marker };
      const drain = raw.eligible ? 'none' : marker !== undefined && !raw.draining ? 'ours' : 'foreign';
      const describe = `Status=${raw.status} SchedulingEligibility=${String(n.SchedulingEligibility)}${raw.draining ? ' draining' : ''}${marker === undefined ? '' : ` ${config.metaKey}=${JSON.stringify(marker)}`}`;
      return ok({ down: raw.status !== 'ready', drain, leftover: raw.eligible && marker !== undefined, describe, raw });
    },
    async drain(_node, reason, state, signal) {
      // Marker first: a crash in between leaves an eligible node with our key, which undo cleans up.
      if (state.raw.marker === undefined) {
        const marked = await setMarker(signal, state.raw.id, markReason(config.reasonPrefix, reason));
        if (!marked.ok) return marked;
      }
      const done = await setEligible(signal, state.raw.id, false);
      return done.ok ? ok(undefined) : done;
    },
    async resume(_node, state, signal) {
      if (!state.raw.eligible) {
        const done = await setEligible(signal, state.raw.id, true);
        if (!done.ok) return done;
      }
      const cleared = await setMarker(signal, state.raw.id, null);
      return cleared.ok ? ok(undefined) : cleared;
    },
  };
}

/** The action module. */
export const nomad = { configSchema, create: (config: NomadConfig) => createDrainAction(nomadDriver(config)) } satisfies ActionModule;
