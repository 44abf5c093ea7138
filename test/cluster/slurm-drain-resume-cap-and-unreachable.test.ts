/**
 * The cluster subscriber against a real single-node Slurm (munge, slurmctld, slurmd on loopback,
 * test/helpers/slurm.ts) and three real fsevd daemons standing for nodes: node-a is mapped to the
 * Slurm node (a static entry with name=, and sinfo lists it at the same address), node-b and node-c to scheduler names Slurm does not
 * know (the slurm driver must fail cleanly for them; an exec action records every run).
 * - FS_UNAVAILABLE on node-a drains the Slurm node with our reason; FS_AVAILABLE resumes it.
 * - FS_UNAVAILABLE of the same filesystem on every node at once is one cluster-level incident:
 *   with a cap of one node, one node's actions run and the two others are held by the cap (their
 *   undo is skipped too).
 * - node-c's daemon killed: after unreachable.afterSeconds the node is reported unreachable and
 *   drained by the unreachability actions (slurm fails cleanly for fake-c, exec records); when it
 *   comes back, nothing resumes it.
 * Events are injected with POST /api/v1/events (admin token): the cluster side is under test.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { slurmSkipReason, startSlurm } from '../helpers/slurm.ts';
import { tempDir, waitFor } from '../helpers/system.ts';
import { inject, startCluster, startNode, type NodeView } from './helpers.ts';

const execFileAsync = promisify(execFile);
const RECORD = ['/bin/sh', '-c', 'printf "%s %s %s\\n" "$FSEVD_RULE" "$FSEVD_PHASE" "$FSEVD_NODE" >> "$OUT"'];

test('drains and resumes the Slurm node, holds an incident on every node to its cap, reports an unreachable node', { skip: slurmSkipReason() }, async (t) => {
  const dir = await tempDir(t);
  const slurm = await startSlurm();
  t.after(() => slurm.stop());
  const sinfo = async () => (await execFileAsync('sinfo', ['-h', '-N', '-n', slurm.node, '-o', '%t|%E'], { env: slurm.env, encoding: 'utf8' })).stdout.trim();
  const a = await startNode(t, dir, 'node-a');
  const b = await startNode(t, dir, 'node-b');
  let c = await startNode(t, dir, 'node-c');
  const listenC = new URL(c.url).host;
  const out = join(dir, 'runs.log');
  const rules = join(dir, 'rules.json');
  const exec = { type: 'exec', argv: RECORD, undoArgv: RECORD, env: { OUT: out } };
  await writeFile(rules, JSON.stringify({ rules: [{ name: 'unavailable', match: { types: ['FS_UNAVAILABLE'] }, resolve: { types: ['FS_AVAILABLE'] }, actions: [{ type: 'slurm', env: { SLURM_CONF: slurm.env.SLURM_CONF } }, exec] }] }));
  const host = (d: { url: string }) => new URL(d.url).host;
  const cluster = await startCluster(t, dir, {
    // sinfo lists the Slurm node at its NodeAddr (127.0.0.1) on connection.port: node-a's address again.
    nodes: { static: [`${host(a)} name=${slurm.node}`, host(b), listenC], slurm: { env: { SLURM_CONF: slurm.env.SLURM_CONF! } } },
    connection: { port: Number(new URL(a.url).port) },
    schedulerName: { map: { 'node-b': 'fake-b', 'node-c': 'fake-c' } },
    rules: { file: rules, lossHold: '0s' },
    incidents: { capNodes: 1, minNodes: 3, windowSeconds: 1 },
    unreachable: { afterSeconds: 1, drain: true, actions: [{ type: 'slurm', reasonPrefix: 'fsevd-unreachable:', env: { SLURM_CONF: slurm.env.SLURM_CONF } }, { ...exec, undoArgv: undefined }] },
  });
  const runs = async () => (await readFile(out, 'utf8').catch(() => '')).split('\n').filter(Boolean);
  await waitFor('all three nodes connected', async () => {
    const { nodes } = await cluster.get<{ nodes: NodeView[] }>('/api/v1/cluster/nodes');
    return nodes.length === 3 && nodes.every((n) => n.connected) ? nodes : undefined;
  });

  const { sources } = await cluster.get<{ sources: Array<{ name: string; ok: boolean; nodes: number }> }>('/api/v1/cluster/sources');
  assert.deepEqual(sources.map((s) => [s.name, s.ok, s.nodes]), [['static', true, 3], ['slurm', true, 1]]);

  // One node: drained with our reason, then resumed.
  await inject(a, [{ type: 'FS_UNAVAILABLE', mountpoint: '/', data: { reason: 'test' } }]);
  const drained = await waitFor('the Slurm node drained', async () => ((await sinfo()).startsWith('drain') ? sinfo() : undefined));
  assert.match(drained, /\|fsevd: /);
  await inject(a, [{ type: 'FS_AVAILABLE', mountpoint: '/' }]);
  await waitFor('the Slurm node resumed', async () => (/^idle\*?\|/.test(await sinfo()) ? true : undefined));
  await waitFor('the first incident closed', async () => {
    const { incidents } = await cluster.get<{ incidents: Array<{ open: boolean }> }>('/api/v1/cluster/incidents');
    return incidents.length === 1 && !incidents[0]!.open ? true : undefined;
  });

  // Every node at once: one incident, one node acted on, two held by the cap.
  const before = (await runs()).length;
  await Promise.all([a, b, c].map((d) => inject(d, [{ type: 'FS_UNAVAILABLE', mountpoint: '/', data: { reason: 'server down' } }])));
  const incident = await waitFor('a cluster-level incident with two nodes held', async () => {
    const { incidents } = await cluster.get<{ incidents: Array<{ open: boolean; level: string; acted: number; held: number; nodes: Array<{ node: string; action: string }> }> }>('/api/v1/cluster/incidents');
    const open = incidents.find((i) => i.open);
    return open && open.acted + open.held === 3 ? open : undefined;
  });
  assert.equal(incident.level, 'cluster');
  assert.equal(incident.acted, 1);
  assert.equal(incident.held, 2);
  const acted = incident.nodes.find((n) => n.action === 'acted')!.node;
  await waitFor('the acted node recorded', async () => ((await runs()).slice(before).includes(`unavailable fire ${acted}`) ? true : undefined));
  await Promise.all([a, b, c].map((d) => inject(d, [{ type: 'FS_AVAILABLE', mountpoint: '/' }])));
  await waitFor('its undo recorded', async () => ((await runs()).slice(before).includes(`unavailable undo ${acted}`) ? true : undefined));
  const { recent } = await cluster.get<{ recent: Array<{ node: string; action: string; phase: string; detail: string }> }>('/api/v1/cluster/drains');
  for (const held of incident.nodes.filter((n) => n.action === 'held')) {
    assert.ok(recent.some((r) => r.node === held.node && r.phase === 'fire' && /held by the cap/.test(r.detail)), `fire of ${held.node} held`);
  }
  if (acted !== slurm.node) assert.ok(recent.some((r) => r.node === acted && r.action === 'slurm' && r.phase === 'fire' && /fail/i.test(r.detail)), 'slurm fails cleanly for an unknown node');
  await waitFor('the Slurm node idle again', async () => (/^idle\*?\|/.test(await sinfo()) ? true : undefined));
  const second = (await runs()).slice(before);
  assert.deepEqual(second.sort(), [`unavailable fire ${acted}`, `unavailable undo ${acted}`].sort(), 'only the acted node ran actions in the incident');

  // Unreachable: reported and drained, never resumed.
  assert.equal(await c.stop('SIGKILL'), 'SIGKILL');
  await waitFor('fake-c unreachable and drained', async () => ((await runs()).includes('cluster-unreachable fire fake-c') ? true : undefined));
  const { nodes } = await cluster.get<{ nodes: NodeView[] }>('/api/v1/cluster/nodes');
  assert.equal(nodes.find((n) => n.schedulerName === 'fake-c')?.unreachable, true);
  const { unreachable } = await cluster.get<{ unreachable: Array<{ schedulerName: string; drain: string[] }> }>('/api/v1/cluster/drains');
  const drain = unreachable.find((u) => u.schedulerName === 'fake-c')?.drain ?? [];
  assert.match(drain[0] ?? '', /^slurm failed: /, 'the slurm driver fails cleanly for a node Slurm does not know');
  assert.match(drain[1] ?? '', /^exec done/);
  const metrics = await (await fetch(`${cluster.url}/metrics`)).text();
  assert.match(metrics, /fsevd_cluster_node_unreachable\{address="[^"]+",node="fake-c"\} 1/);
  assert.match(metrics, /fsevd_cluster_incident_held_total 2/);
  c = await startNode(t, dir, 'node-c', listenC);
  await waitFor('fake-c reachable again', async () => {
    const { nodes: again } = await cluster.get<{ nodes: NodeView[] }>('/api/v1/cluster/nodes');
    return again.find((n) => n.schedulerName === 'fake-c' && n.connected && !n.unreachable) ? true : undefined;
  });
  assert.ok(!(await runs()).some((l) => l.startsWith('cluster-unreachable undo')), 'an unreachable node is never resumed');
});
