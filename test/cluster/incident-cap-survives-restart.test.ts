/**
 * An incident's cap outlives a SIGKILL of the cluster subscriber: with a cap of one node, node A's
 * drain runs, the subscriber is killed and restarted on the same state dir, and node B reporting
 * the same filesystem bad is then held by the cap (before incidents were kept on disk, the
 * restarted subscriber granted the incident a fresh cap and drained B too). Real node daemons and
 * subscriber processes; events are injected through POST /api/v1/events, the `record` action of
 * the fixture stands for the drain.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir, waitFor } from '../helpers/system.ts';
import { inject, startCluster, startNode } from './helpers.ts';

interface IncidentsView {
  incidents: Array<{ open: boolean; acted: number; held: number; nodes: Array<{ node: string; action: string }> }>;
}

test('a cap of one node still holds after the subscriber is SIGKILLed and restarted mid-incident', async (t) => {
  const dir = await tempDir(t);
  const a = await startNode(t, dir, 'node-a');
  const b = await startNode(t, dir, 'node-b');
  const record = join(dir, 'record.log');
  const rules = join(dir, 'rules.json');
  await writeFile(rules, JSON.stringify({ rules: [{ name: 'drain', match: { types: ['FS_UNAVAILABLE'] }, key: '{rule}/{node}', actions: [{ type: 'record', file: record, attempts: join(dir, 'attempts.log') }] }] }));
  const config = { nodes: { static: [a, b].map((n) => new URL(n.url).host) }, rules: { file: rules }, incidents: { capNodes: 1, minNodes: 2, windowSeconds: 3600 } };
  const recorded = async () => (await readFile(record, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  const nodeAction = (view: IncidentsView, node: string) => view.incidents.find((i) => i.open)?.nodes.find((n) => n.node === node)?.action;

  let cluster = await startCluster(t, dir, config, { recording: true });
  await inject(a, [{ type: 'FS_UNAVAILABLE', mountpoint: '/shared', data: { server: 'filer:/export' } }]);
  await waitFor('node-a drained', async () => ((await recorded()).some((l) => l.startsWith('fire node-a')) ? true : undefined));
  assert.equal(nodeAction(await cluster.get<IncidentsView>('/api/v1/cluster/incidents'), 'node-a'), 'acted');
  assert.equal(await cluster.stop('SIGKILL'), 'SIGKILL');

  cluster = await startCluster(t, dir, config, { recording: true });
  await inject(b, [{ type: 'FS_UNAVAILABLE', mountpoint: '/shared', data: { server: 'filer:/export' } }]);
  const view = await waitFor('node-b decided', async () => {
    const incidents = await cluster.get<IncidentsView>('/api/v1/cluster/incidents');
    return nodeAction(incidents, 'node-b') === 'held' || nodeAction(incidents, 'node-b') === 'acted' ? incidents : undefined;
  });
  assert.equal(nodeAction(view, 'node-b'), 'held', 'the restarted subscriber still counts node-a against the cap');
  assert.deepEqual([view.incidents[0]!.acted, view.incidents[0]!.held], [1, 1]);
  assert.deepEqual((await recorded()).map((l) => l.split(' ').slice(0, 2).join(' ')), ['fire node-a'], 'only node-a was drained');
});
