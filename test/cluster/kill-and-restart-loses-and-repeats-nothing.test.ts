/**
 * The cluster subscriber follows two real fsevd daemons while events stream in; node A's daemon is
 * SIGKILLed and restarted on the same address and state dir, then the subscriber itself is
 * SIGKILLed and restarted. Every event of both journals must reach the rules: a rule fires for
 * every event (key per seq, no cooldown) into the in-process, idempotent `record` action of the
 * fixture, and the recorded lines must be exactly the journals' events. Repeats are counted from
 * the fixture's log of every attempt: none while the subscriber lives (a node's restart must not
 * replay anything), and after its SIGKILL only the few runs the kill cut short or whose events were
 * not yet journaled (a cursor that went back would replay dozens). Events are injected with
 * POST /api/v1/events (admin token): the cluster side is what is tested here, not the kernel sources.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { DaemonProcess } from '../helpers/daemon.ts';
import { tempDir, waitFor } from '../helpers/system.ts';
import { inject, startCluster, startNode } from './helpers.ts';

const lines = async (file: string) => (await readFile(file, 'utf8').catch(() => '')).split('\n').filter(Boolean);

test('SIGKILL of a node daemon and of the subscriber mid-stream: every event reaches the rules once', async (t) => {
  const dir = await tempDir(t);
  const nodes: Record<string, DaemonProcess> = { 'node-a': await startNode(t, dir, 'node-a'), 'node-b': await startNode(t, dir, 'node-b') };
  const listenA = new URL(nodes['node-a']!.url).host;
  const record = join(dir, 'record.log');
  const attempts = join(dir, 'attempts.log');
  const rules = join(dir, 'rules.json');
  await writeFile(rules, JSON.stringify({ rules: [{ name: 'every', match: { types: ['QUOTA_BLOCKS_SOFT'] }, key: '{rule}/{node}/{seq}', cooldown: '0s', actions: [{ type: 'record', file: record, attempts }] }] }));
  const config = { nodes: { static: Object.values(nodes).map((n) => new URL(n.url).host) }, rules: { file: rules, maxPending: 100_000 }, stream: { start: 'journal' } };
  let cluster = await startCluster(t, dir, config, { recording: true });

  // A steady stream into both nodes; a node that is down just misses its turn.
  let producing = true;
  const producer = (async () => {
    for (let round = 0; producing; round++) {
      await Promise.all(Object.values(nodes).map((node) => inject(node, [{ type: 'QUOTA_BLOCKS_SOFT', data: { round } }]).catch(() => undefined)));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  t.after(() => {
    producing = false;
    return producer;
  });
  const recorded = (n: number) => waitFor(`${n} recorded runs`, async () => ((await lines(record)).length >= n ? true : undefined), 60_000);

  await recorded(40);
  assert.equal(await nodes['node-a']!.stop('SIGKILL'), 'SIGKILL');
  await new Promise((resolve) => setTimeout(resolve, 300));
  nodes['node-a'] = await startNode(t, dir, 'node-a', listenA);
  await recorded((await lines(record)).length + 40);
  assert.equal(await cluster.stop('SIGKILL'), 'SIGKILL');
  const attemptsBeforeKill = (await lines(attempts)).length;
  await new Promise((resolve) => setTimeout(resolve, 300));
  cluster = await startCluster(t, dir, config, { recording: true });
  await recorded((await lines(record)).length + 40);
  producing = false;
  await producer;

  const expected = new Set<string>();
  for (const [name, node] of Object.entries(nodes)) for (const event of await node.events(0)) if (event.type === 'QUOTA_BLOCKS_SOFT') expected.add(`fire ${name} ${event.seq} QUOTA_BLOCKS_SOFT`);
  const got = await waitFor('every journaled event recorded', async () => {
    const all = await lines(record);
    return all.length >= expected.size ? all : undefined;
  }, 60_000).catch(async (err: Error) => {
    const all = new Set(await lines(record));
    const missing = [...expected].filter((e) => !all.has(e));
    const views = { ...(await cluster.get<object>('/api/v1/cluster/nodes')), pending: (await cluster.get<{ pending: unknown[] }>('/api/v1/cluster/drains')).pending.length };
    throw new Error(`${err.message}: ${missing.length} of ${expected.size} missing (${missing.slice(0, 5).join(', ')}…); nodes ${JSON.stringify(views)}`);
  });
  // Give a repeat, if there were one, the time to show up before comparing.
  await waitFor('the subscriber to be idle', async () => {
    const { nodes: views } = await cluster.get<{ nodes: Array<{ queued: number; connected: boolean }> }>('/api/v1/cluster/nodes');
    const { pending } = await cluster.get<{ pending: unknown[] }>('/api/v1/cluster/drains');
    return views.every((v) => v.connected && v.queued === 0) && pending.length === 0 ? true : undefined;
  });
  const final = await lines(record);
  assert.equal(final.length, new Set(final).size, 'the record action wrote no line twice');
  assert.deepEqual(new Set(final), expected, 'every journaled event reached the rules');
  const tried = await lines(attempts);
  const repeatsOf = (part: string[]) => part.length - new Set(part).size;
  assert.equal(repeatsOf(tried.slice(0, attemptsBeforeKill)), 0, 'no event reached the rules twice while the subscriber lived (the node restart replayed nothing)');
  const afterKill = repeatsOf(tried);
  assert.ok(afterKill <= 16, `after the subscriber's SIGKILL only runs cut short or not yet journaled are repeated, not ${afterKill}`);
  assert.ok(got.length >= 120 && expected.size >= 120);
  assert.ok(cluster.logs.some((l) => l.msg === 'Connected to node' && l.resumeAfter !== undefined), 'the restarted subscriber resumed from its cursors');
});
