/**
 * The nomad action against a local stand-in of Nomad's HTTP API (no Nomad package exists for
 * Debian, so no real agent can run here). The stand-in serves the endpoints of api/nodes.go and
 * api/node_meta.go that the action uses, with one node, the reference's field names, the token
 * check (X-Nomad-Token) and the refusal to make a draining node eligible; it records every request.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { configSchema, nomad } from '../../../src/rules/actions/nomad.ts';
import { tempDir } from '../../helpers/system.ts';
import { drainContract, type SchedulerModel } from './drain-contract.ts';
import { request } from './request.ts';

const ID = '5f1c2a9e-0b7d-4c3e-9a51-2d7e8f6b4c10';
const TOKEN = 'a1b2c3d4-secret';

interface Recorded { method: string; url: string; token?: string; body?: unknown }

async function model(t: TestContext): Promise<SchedulerModel & { requests: Recorded[]; raw: { SchedulingEligibility: string; Meta: Record<string, string> } }> {
  const node = { ID, Name: 'worker-1', Status: 'ready', SchedulingEligibility: 'eligible', DrainStrategy: null as unknown, Meta: { 'unique.hostname': 'worker-1' } as Record<string, string> };
  const state = { mode: 'known' as 'known' | 'unknown-node' | 'hang' };
  const requests: Recorded[] = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    const body = text ? JSON.parse(text) : undefined;
    requests.push({ method: req.method!, url: req.url!, token: req.headers['x-nomad-token'] as string | undefined, body });
    if (state.mode === 'hang') return;
    const reply = (status: number, value: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(typeof value === 'string' ? value : JSON.stringify(value));
    if (req.headers['x-nomad-token'] !== TOKEN) return reply(403, 'Permission denied');
    const url = new URL(req.url!, 'http://x');
    const known = state.mode === 'known';
    if (req.method === 'GET' && url.pathname === '/v1/nodes') return reply(200, known ? [{ ID, Name: node.Name, Status: node.Status, SchedulingEligibility: node.SchedulingEligibility }] : []);
    if (req.method === 'GET' && url.pathname === `/v1/node/${ID}`) return reply(200, node);
    if (url.pathname === '/v1/client/metadata' && req.method === 'GET') return reply(200, { Meta: node.Meta, Dynamic: {}, Static: {} });
    if (url.pathname === '/v1/client/metadata' && req.method === 'POST') {
      for (const [key, value] of Object.entries(body.Meta as Record<string, string | null>)) value === null ? delete node.Meta[key] : (node.Meta[key] = value);
      return reply(200, {});
    }
    if (req.method === 'POST' && url.pathname === `/v1/node/${ID}/eligibility`) {
      if (!['eligible', 'ineligible'].includes(body.Eligibility)) return reply(400, 'invalid scheduling eligibility');
      if (body.Eligibility === 'eligible' && node.DrainStrategy) return reply(500, "can not set node's scheduling eligibility to eligible while it is draining");
      node.SchedulingEligibility = body.Eligibility;
      return reply(200, { NodeModifyIndex: 42, EvalIDs: [], EvalCreateIndex: 0 });
    }
    return reply(404, 'Not Found');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const dir = await tempDir(t);
  await writeFile(join(dir, 'token'), `${TOKEN}\n`);
  const address = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const withSettings = (settings: Record<string, unknown>) => nomad.create(Value.Default(configSchema, { address, tokenFile: join(dir, 'token'), ...settings }) as never);
  t.after(() => server.closeAllConnections());
  return {
    node: 'worker-1',
    action: withSettings({}),
    withSettings,
    requests,
    raw: node,
    otherOwner: { metaKey: 'other_drained' },
    set(wanted) {
      if (wanted === 'foreign-drain') Object.assign(node, { SchedulingEligibility: 'ineligible', DrainStrategy: { Deadline: 3600e9 } });
      if (wanted === 'down') Object.assign(node, { Status: 'down', SchedulingEligibility: 'ineligible', Meta: { ...node.Meta, fsevd_drained: 'fsevd: ours' } });
      if (wanted === 'unknown-node' || wanted === 'hang') state.mode = wanted;
    },
    snapshot: () => JSON.stringify(node),
    drainedByUs: (reason) => node.SchedulingEligibility === 'ineligible' && node.Meta.fsevd_drained === `fsevd: ${reason}`,
    changes: () => requests.filter((r) => r.method !== 'GET').length,
  };
}

drainContract('nomad', model);

test('nomad: marker before ineligible, eligible before the marker is deleted, the token sent every time', async (t) => {
  const m = await model(t);
  assert.equal((await m.action.run(request('fire', m.node))).outcome, 'done');
  assert.equal((await m.action.run(request('undo', m.node))).outcome, 'done');
  assert.deepEqual(m.requests.filter((r) => r.method === 'POST').map((r) => [r.url, r.body]), [
    ['/v1/client/metadata', { NodeID: ID, Meta: { fsevd_drained: 'fsevd: /scratch unavailable' } }],
    [`/v1/node/${ID}/eligibility`, { Eligibility: 'ineligible' }],
    [`/v1/node/${ID}/eligibility`, { Eligibility: 'eligible' }],
    ['/v1/client/metadata', { NodeID: ID, Meta: { fsevd_drained: null } }],
  ]);
  assert.ok(m.requests.every((r) => r.token === TOKEN));
});

test('nomad: a marker left without the ineligibility (a crash between the two writes) is completed on fire, removed on undo', async (t) => {
  const m = await model(t);
  m.raw.Meta.fsevd_drained = 'fsevd: earlier reason';
  assert.equal((await m.action.run(request('fire', m.node))).outcome, 'done');
  assert.deepEqual([m.raw.SchedulingEligibility, m.raw.Meta.fsevd_drained], ['ineligible', 'fsevd: earlier reason']);
  assert.equal(m.requests.filter((r) => r.url === '/v1/client/metadata' && r.method === 'POST').length, 0, 'the marker is not rewritten');
  m.raw.SchedulingEligibility = 'eligible';
  const undone = await m.action.run(request('undo', m.node));
  assert.equal(undone.outcome, 'done', undone.detail);
  assert.match(undone.detail, /leftover/);
  assert.equal(m.raw.Meta.fsevd_drained, undefined);
});

test('nomad: a wrong token fails without retry', async (t) => {
  const m = await model(t);
  const dir = await tempDir(t);
  await writeFile(join(dir, 'bad'), 'wrong');
  const result = await m.withSettings({ tokenFile: join(dir, 'bad') }).run(request('fire', m.node));
  assert.deepEqual([result.outcome, result.retryable], ['failed', false], result.detail);
  assert.match(result.detail, /HTTP 403/);
});
