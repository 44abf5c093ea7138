/**
 * End to end through the daemon, on a real FUSE mount (bindfs) and a real single-node Slurm
 * (test/helpers/slurm.ts): the FUSE server is stopped, the mount becomes FS_UNAVAILABLE and the
 * rule's slurm action drains the node with our reason; the server is continued, FS_AVAILABLE
 * follows, and only after the rule's healthyFor has passed is the node resumed. Then an admin
 * drains the node: the same cycle neither overwrites the admin's reason nor resumes the node.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { RecentRun } from '../../src/rules/index.ts';
import type { DaemonProcess } from '../helpers/daemon.ts';
import { BINDFS, fuseServers } from '../helpers/fuse.ts';
import { slurmCommand, slurmSkipReason, startSlurm } from '../helpers/slurm.ts';
import { ADMIN_TOKEN, eventsOn, mountAt, startConfiguredDaemon } from '../helpers/thresholds.ts';
import { tempDir, waitFor } from '../helpers/system.ts';

const HEALTHY_FOR_S = 5;

const skip = slurmSkipReason() ?? (BINDFS ? undefined : 'needs bindfs (Debian package bindfs; scripts/test-deps.sh installs it)');

test('a FUSE mount that stops answering drains the Slurm node; after it is healthy for healthyFor the node is resumed; an admin drain is left alone', { skip }, async (t) => {
  const fuse = fuseServers(t); // before tempDir: a stopped server must be continued before unmounting
  const dir = await tempDir(t);
  const slurm = await startSlurm();
  t.after(() => slurm.stop());
  const node = async () => {
    const text = await slurmCommand(slurm.env, '/usr/bin/scontrol', ['show', 'node', slurm.node]);
    return { state: /\sState=(\S+)/.exec(text)?.[1], reason: /^\s*Reason=(.*?)(?: \[[^\]]*\])?$/m.exec(text)?.[1] };
  };
  const source = join(dir, 'source');
  const mnt = join(dir, 'mnt');
  await mkdir(source);
  await mkdir(mnt);
  const server = fuse.start(source, mnt);
  const rulesFile = join(dir, 'rules.yaml');
  await writeFile(rulesFile, JSON.stringify({
    rules: [{
      name: 'fuse-unavailable',
      match: { types: ['FS_UNAVAILABLE'], mounts: [mnt] },
      resolve: { types: ['FS_AVAILABLE'], mounts: [mnt] },
      healthyFor: `${HEALTHY_FOR_S}s`,
      reason: '{mountpoint} unavailable',
      actions: [{ type: 'slurm', env: { SLURM_CONF: slurm.env.SLURM_CONF } }],
    }],
  }));
  const daemon = await startConfiguredDaemon(t, dir, {
    node: slurm.node,
    sources: { statfs: { fuse: { maxIntervalMs: 300, timeoutMs: 1000 }, damping: { maxTransitions: 20 } } },
    rules: { file: rulesFile, lossHold: '1s' },
  });
  await waitFor('the daemon to sample the FUSE mount', async () => ((await mountAt(daemon, mnt))?.space ? true : undefined), 20_000);
  assert.deepEqual(await node(), { state: 'IDLE', reason: undefined });

  // 1. The mount stops answering: drained with our reason.
  server.kill('SIGSTOP');
  const drained = await waitFor('the node to be drained', async () => {
    const n = await node();
    return n.state === 'IDLE+DRAIN' ? n : undefined;
  }, 30_000);
  assert.equal(drained.reason, `fsevd: ${mnt} unavailable`);
  assert.equal((await eventsOn(daemon, mnt, ['FS_UNAVAILABLE'])).length >= 1, true);

  // 2. It answers again: FS_AVAILABLE first, the resume only after healthyFor.
  server.kill('SIGCONT');
  const available = await waitFor('FS_AVAILABLE', async () => (await eventsOn(daemon, mnt, ['FS_AVAILABLE']))[0], 30_000);
  assert.equal((await node()).state, 'IDLE+DRAIN', 'not resumed at once');
  await waitFor('the node to be resumed', async () => ((await node()).state?.startsWith('IDLE') && !(await node()).state?.includes('DRAIN') ? true : undefined), 30_000);
  const undo = (await recentRuns(daemon)).find((run) => run.phase === 'undo');
  assert.equal(undo?.outcome, 'success', undo?.detail);
  assert.match(undo!.detail, /^done: resumed /);
  assert.ok(Date.parse(undo!.time) - Date.parse(available.time) >= HEALTHY_FOR_S * 1000 - 500, `undo ${undo!.time} vs available ${available.time}`);
  assert.equal((await node()).reason, undefined);

  // 3. An admin drains the node; the same fault and recovery change nothing.
  await waitFor('the node to be idle', async () => ((await node()).state === 'IDLE' ? true : undefined), 30_000);
  await slurmCommand(slurm.env, '/usr/bin/scontrol', ['update', `NodeName=${slurm.node}`, 'State=DRAIN', 'Reason=admin: new disk firmware']);
  const admin = await node();
  const before = (await recentRuns(daemon)).length;
  server.kill('SIGSTOP');
  const fired = await waitFor('the fire to be refused', async () => (await recentRuns(daemon)).slice(before).find((run) => run.phase === 'fire'), 30_000);
  assert.match(fired.detail, /drained by someone else/);
  server.kill('SIGCONT');
  const undone = await waitFor('the undo to be refused', async () => (await recentRuns(daemon)).slice(before).find((run) => run.phase === 'undo'), 60_000);
  assert.match(undone.detail, /drained by someone else/);
  assert.deepEqual(await node(), admin, 'the admin\'s drain and reason are untouched');
});

/** The rules engine's finished runs, oldest first. */
async function recentRuns(daemon: DaemonProcess): Promise<RecentRun[]> {
  const response = await fetch(`${daemon.url}/api/v1/rules`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  return ((await response.json()) as { recent: RecentRun[] }).recent;
}
