/**
 * The incident tracker alone (fake clock): grouping by filesystem across nodes, the cluster level
 * at minNodes, the cap (fires beyond it held, their undo skipped, acted nodes stay within it), and
 * closing once every node recovered and the window passed; and all of it through a restart, with
 * the incidents file in a real temp dir.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import type { FsEvent } from '../../src/collector/types.ts';
import { IncidentStore } from '../../src/cluster/incident-store.ts';
import { Incidents } from '../../src/cluster/incidents.ts';
import type { ActionRequest } from '../../src/rules/types.ts';
import { tempDir } from '../helpers/system.ts';

const event = (node: string, type: string, mountpoint = '/scratch', server = 'filer:/export'): FsEvent =>
  ({ seq: 1, time: '', node, type, code: 0, class: 'error', severity: 'error', transient: true, mountpoint, fstype: 'nfs4', device: server, sources: ['api'], count: 1, data: {} }) as FsEvent;
const request = (node: string, phase: 'fire' | 'undo', type = 'FS_UNAVAILABLE'): ActionRequest =>
  ({ phase, rule: 'r', key: `r/${node}/scratch`, event: event(node, type), node, reason: '', dryRun: false, signal: new AbortController().signal });

test('one filesystem bad on every node: one cluster-level incident, actions capped', () => {
  let now = 0;
  const incidents = new Incidents({ types: ['FS_UNAVAILABLE'], windowMs: 1000, minNodes: 3, cap: () => 2 }, pino({ level: 'silent' }), () => now);
  for (const node of ['n1', 'n2', 'n3', 'n4']) incidents.observe(node, [event(node, 'FS_UNAVAILABLE')]);
  incidents.observe('n1', [event('n1', 'FS_UNAVAILABLE', '/home')]);
  const gates = ['n1', 'n2', 'n3', 'n4', 'n1'].map((node) => incidents.gate(request(node, 'fire'))?.outcome ?? 'run');
  assert.deepEqual(gates, ['run', 'run', 'skipped', 'skipped', 'run']);
  const [scratch, home] = incidents.list();
  assert.deepEqual([scratch!.level, scratch!.acted, scratch!.held, scratch!.nodes.length], ['cluster', 2, 2, 4]);
  assert.equal(home!.level, 'node');
  assert.equal(incidents.gate(request('n3', 'undo'))?.outcome, 'skipped', 'a held fire has nothing to undo');
  assert.equal(incidents.gate(request('n1', 'undo')), undefined);
  assert.equal(incidents.gate(request('n1', 'fire', 'ERR_CORRUPTED')), undefined, 'other types are not gated');

  for (const node of ['n1', 'n2', 'n3']) incidents.observe(node, [event(node, 'FS_AVAILABLE')]);
  now = 5000;
  assert.equal(incidents.list()[0]!.open, true, 'n4 is still bad');
  incidents.observe('n4', [event('n4', 'FS_AVAILABLE')]);
  now = 10_000;
  incidents.observe('n1', [event('n1', 'FS_AVAILABLE', '/home')]);
  now = 20_000;
  assert.deepEqual(incidents.list().map((i) => i.open), [false, false]);
  assert.deepEqual(incidents.totals, { opened: 2, clusterLevel: 1, held: 2, untracked: 0 });
});

test('across a restart through the incidents file: the cap still counts the nodes acted on, a held fire\'s undo is still skipped', async (t) => {
  const dir = await tempDir(t);
  const silent = pino({ level: 'silent' });
  const settings = { types: ['FS_UNAVAILABLE'], windowMs: 1000, minNodes: 2, cap: () => 1 };
  const start = async () => {
    const store = new IncidentStore(dir, silent);
    const incidents = new Incidents(settings, silent, () => 0, () => store.changed());
    const saved = await store.load();
    if (saved) incidents.restore(saved);
    store.attach(() => incidents.snapshot());
    return { store, incidents };
  };
  const first = await start();
  for (const node of ['n1', 'n2']) first.incidents.observe(node, [event(node, 'FS_UNAVAILABLE')]);
  assert.equal(first.incidents.gate(request('n1', 'fire')), undefined);
  assert.equal(first.incidents.gate(request('n2', 'fire'))?.outcome, 'skipped');
  await first.store.flush();

  const second = await start();
  assert.deepEqual(second.incidents.list(), first.incidents.list());
  second.incidents.observe('n3', [event('n3', 'FS_UNAVAILABLE')]);
  assert.equal(second.incidents.gate(request('n3', 'fire'))?.outcome, 'skipped', 'n1 was acted on before the restart: the cap is used up');
  assert.equal(second.incidents.gate(request('n2', 'undo'))?.outcome, 'skipped', 'n2 was held before the restart');
  assert.equal(second.incidents.gate(request('n1', 'fire')), undefined, 'n1 stays within the cap');
  await second.store.flush();
  assert.equal((await start()).incidents.list()[0]!.nodes.length, 3, 'the second run\'s changes are on disk too');

  await writeFile(join(dir, 'incidents.json'), '{"format":1,"open":"not a list"}');
  const afterDamage = await start();
  assert.deepEqual(afterDamage.incidents.list(), [], 'a damaged file is ignored (logged), not fatal');
});
