/**
 * The kubernetes action against a local stand-in API server (test/helpers/fake-kube-api.ts): no
 * real API server can run on this machine. The stand-in answers like the real one for Nodes
 * (patch content types, `test` ops, conflicts, atomic taints, conditions merged by type) and
 * records every request, so these tests check the exact requests and the resulting Node.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { Value } from '@sinclair/typebox/value';
import { configSchema, kubernetes } from '../../../src/rules/actions/kubernetes/index.ts';
import { readyNode, startFakeKubeApi, type FakeKubeApi } from '../../helpers/fake-kube-api.ts';
import { tempDir } from '../../helpers/system.ts';
import { request } from './request.ts';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.sa-token';
const NOW = Date.parse('2026-11-23T10:00:00.500Z');
const TAINT = { key: 'fsevd.io/filesystem-unhealthy', effect: 'NoSchedule', timeAdded: '2026-11-23T10:00:00Z' };
const FOREIGN = [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }, { key: 'example.com/gpu', value: 'true', effect: 'NoExecute' }];

async function setup(t: TestContext, spec: Record<string, unknown> = {}, ready = 'True', settings: Record<string, unknown> = {}) {
  const api = await startFakeKubeApi(t, TOKEN, [readyNode('n1', spec, ready)]);
  const dir = await tempDir(t);
  await writeFile(join(dir, 'token'), `${TOKEN}\n`);
  const action = kubernetes.create(Value.Default(configSchema, { apiServer: api.url, tokenFile: join(dir, 'token'), ...settings }) as never, { log: pino({ level: 'silent' }), now: () => NOW });
  return { api, action, dir };
}

const patches = (api: FakeKubeApi) => api.requests.filter((r) => r.method === 'PATCH');
const node = (api: FakeKubeApi) => api.nodes.get('n1')!;
const condition = (api: FakeKubeApi) => (node(api).status.conditions as Array<Record<string, string>>).find((c) => c.type === 'FilesystemUnhealthy');

test('fire: a guarded JSON patch adds our taint, a strategic-merge patch sets our condition; a second fire only reads', async (t) => {
  const { api, action } = await setup(t);
  const fired = await action.run(request('fire', 'n1'));
  assert.equal(fired.outcome, 'done', fired.detail);
  assert.deepEqual(patches(api).map((r) => [r.path, r.contentType, r.body]), [
    ['/api/v1/nodes/n1', 'application/json-patch+json', [{ op: 'test', path: '/metadata/resourceVersion', value: '100' }, { op: 'add', path: '/spec/taints', value: [TAINT] }]],
    ['/api/v1/nodes/n1/status', 'application/strategic-merge-patch+json', { status: { conditions: [{
      type: 'FilesystemUnhealthy', status: 'True', reason: 'FilesystemProblem', message: 'fsevd: /scratch unavailable',
      lastHeartbeatTime: '2026-11-23T10:00:00Z', lastTransitionTime: '2026-11-23T10:00:00Z',
    }] } }],
  ]);
  assert.ok(api.requests.every((r) => r.authorization === `Bearer ${TOKEN}`));
  assert.deepEqual(node(api).spec.taints, [TAINT]);
  assert.deepEqual((node(api).status.conditions as Array<{ type: string }>).map((c) => c.type), ['Ready', 'FilesystemUnhealthy'], 'Ready is kept');
  const before = api.requests.length;
  assert.equal((await action.run(request('fire', 'n1'))).outcome, 'already');
  assert.deepEqual(api.requests.slice(before).map((r) => r.method), ['GET']);
});

test('a cordon and other taints are someone else\'s: kept through fire and undo', async (t) => {
  const { api, action } = await setup(t, { unschedulable: true, taints: FOREIGN });
  assert.equal((await action.run(request('fire', 'n1'))).outcome, 'done');
  assert.deepEqual(patches(api)[0]!.body, [{ op: 'test', path: '/metadata/resourceVersion', value: '100' }, { op: 'add', path: '/spec/taints/-', value: TAINT }]);
  assert.deepEqual(node(api).spec.taints, [...FOREIGN, TAINT]);
  const rv = node(api).metadata.resourceVersion;
  const undone = await action.run(request('undo', 'n1'));
  assert.equal(undone.outcome, 'done', undone.detail);
  assert.deepEqual(patches(api)[2]!.body, [
    { op: 'test', path: '/metadata/resourceVersion', value: rv },
    { op: 'test', path: '/spec/taints/2/key', value: TAINT.key },
    { op: 'remove', path: '/spec/taints/2' },
  ]);
  assert.deepEqual(node(api).spec, { unschedulable: true, taints: FOREIGN });
  assert.equal(condition(api)?.status, 'False');
  assert.equal((await action.run(request('undo', 'n1'))).outcome, 'already');
});

test('conflicts: a concurrent writer (422 from the test op) and 409s are retried on a fresh read', async (t) => {
  const { api, action } = await setup(t, { taints: FOREIGN });
  api.interfere(2);
  const fired = await action.run(request('fire', 'n1'));
  assert.equal(fired.outcome, 'done', fired.detail);
  const taintPatches = patches(api).filter((r) => r.path === '/api/v1/nodes/n1');
  assert.equal(taintPatches.length, 3);
  assert.deepEqual(taintPatches.map((r) => (r.body as Array<{ value: unknown }>)[0]!.value), ['100', '101', '102'], 'each retry tests the version it read');
  assert.deepEqual(node(api).spec.taints, [...FOREIGN, TAINT], 'the other writer\'s change and ours both stand');
  assert.equal(node(api).metadata.labels?.['other-writer'], '0');

  api.conflict(2);
  assert.equal((await action.run(request('undo', 'n1'))).outcome, 'done');
  assert.deepEqual(node(api).spec.taints, FOREIGN);
});

test('conflicts that never end fail as retryable after conflictRetries', async (t) => {
  const { api, action } = await setup(t, {}, 'True', { conflictRetries: 2 });
  api.conflict(100);
  const fired = await action.run(request('fire', 'n1'));
  assert.deepEqual([fired.outcome, fired.retryable], ['failed', true], fired.detail);
  assert.match(fired.detail, /still conflicting after 3 attempts/);
  assert.equal(node(api).spec.taints, undefined);
});

test('a node that is not Ready is not touched; dry run only reads', async (t) => {
  const down = await setup(t, {}, 'Unknown');
  for (const phase of ['fire', 'undo'] as const) assert.equal((await down.action.run(request(phase, 'n1'))).outcome, 'skipped');
  assert.equal(patches(down.api).length, 0);
  const dry = await setup(t);
  const result = await dry.action.run(request('fire', 'n1', { dryRun: true }));
  assert.match(result.detail, /^dry run: would drain n1 \(Ready=True taints=none\)/);
  assert.equal(patches(dry.api).length, 0);
});

test('a leftover condition without our taint is set False on undo; condition: false never patches status', async (t) => {
  const { api, action } = await setup(t);
  (node(api).status.conditions as unknown[]).push({ type: 'FilesystemUnhealthy', status: 'True', reason: 'FilesystemProblem', message: 'fsevd: old', lastTransitionTime: '2026-01-01T00:00:00Z' });
  assert.equal((await action.run(request('undo', 'n1'))).outcome, 'done');
  assert.deepEqual(patches(api).map((r) => r.path), ['/api/v1/nodes/n1/status']);
  assert.deepEqual([condition(api)?.status, condition(api)?.lastTransitionTime], ['False', '2026-11-23T10:00:00Z']);

  const bare = await setup(t, {}, 'True', { condition: false });
  assert.equal((await bare.action.run(request('fire', 'n1'))).outcome, 'done');
  assert.equal((await bare.action.run(request('undo', 'n1'))).outcome, 'done');
  assert.deepEqual(patches(bare.api).map((r) => r.path), ['/api/v1/nodes/n1', '/api/v1/nodes/n1']);
});

test('a wrong token, an unknown node and no cluster fail without retry', async (t) => {
  const { api, dir } = await setup(t);
  await writeFile(join(dir, 'bad'), 'nope');
  const make = (settings: Record<string, unknown>) =>
    kubernetes.create(Value.Default(configSchema, { tokenFile: join(dir, 'token'), ...settings }) as never, { log: pino({ level: 'silent' }), now: () => NOW });
  const cases: Array<[Record<string, unknown>, string, RegExp]> = [
    [{ apiServer: api.url, tokenFile: join(dir, 'bad') }, 'n1', /HTTP 401/],
    [{ apiServer: api.url }, 'n2', /HTTP 404 nodes "n2" not found/],
    [{}, 'n1', /not in a Kubernetes pod/],
    [{ apiServer: api.url, tokenFile: join(dir, 'missing') }, 'n1', /cannot read the service account token/],
  ];
  for (const [settings, name, detail] of cases) {
    if (!settings.apiServer && process.env.KUBERNETES_SERVICE_HOST) continue;
    const result = await make(settings).run(request('fire', name));
    assert.deepEqual([result.outcome, result.retryable], ['failed', false], result.detail);
    assert.match(result.detail, detail);
  }
});
