/**
 * End to end through the real kernel and a real daemon: an ext4 loop mount (errors=remount-ro)
 * gets a real error and the kernel makes it read-only; the rule's exec hook runs with the
 * ERR_REMOUNT_RO event on stdin (written to a file by the hook) and FSEVD_PHASE=fire; unmounting
 * the broken filesystem resolves the rule and the undo hook runs with FSEVD_PHASE=undo.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import type { FsEvent } from '../../src/collector/types.ts';
import { mountState, startDaemonWith } from '../helpers/faults.ts';
import { loopMount, makeExt4Image, needRoot, tempDir, unmount, waitFor } from '../helpers/system.ts';

test('ext4 remounted read-only by an error runs the exec hook with the event on stdin; unmounting runs the undo', async (t) => {
  if (!needRoot(t)) return;
  const dir = await tempDir(t);
  const mountpoint = join(dir, 'mnt');
  const fired = join(dir, 'fired.json');
  const undone = join(dir, 'undone.txt');
  await mkdir(mountpoint);
  const rules = join(dir, 'rules.json');
  await writeFile(rules, JSON.stringify({
    rules: [{
      name: 'ro',
      // Only this test's mount: other tests on this machine break filesystems too.
      match: { types: ['ERR_REMOUNT_RO'], mounts: [mountpoint] },
      resolve: { types: ['UMOUNT'], mounts: [mountpoint] },
      actions: [{ type: 'exec', argv: ['/bin/sh', '-c', `cat > ${fired}.tmp; echo "$FSEVD_PHASE" >> ${fired}.tmp; mv ${fired}.tmp ${fired}`], undoArgv: ['/bin/sh', '-c', `printf '%s %s' "$FSEVD_PHASE" "$FSEVD_TYPE" > ${undone}`] }],
    }],
  }));
  // lossHold short: a kernel-log gap caused by other tests must not hold this test's undo for minutes.
  const daemon = await startDaemonWith(t, dir, { correlation: { windowMs: 500 }, sources: { mountinfo: { safetyIntervalMs: 1000 } }, rules: { file: rules, lossHold: '1s' } });
  await loopMount(t, await makeExt4Image(dir), mountpoint, 'loop,errors=remount-ro');
  const state = await mountState(daemon, mountpoint);
  await writeFile(`/sys/fs/ext4/${basename(state.device)}/trigger_fs_error`, 'fsevd rules test');

  await waitFor('the hook to write the event', () => (existsSync(fired) ? true : undefined), 20_000);
  const [json, phase] = (await readFile(fired, 'utf8')).trim().split('\n');
  const event = JSON.parse(json!) as FsEvent;
  assert.equal(event.type, 'ERR_REMOUNT_RO');
  assert.equal(event.mountpoint, mountpoint);
  assert.equal(event.fstype, 'ext4');
  assert.equal(phase, 'fire');

  await unmount(mountpoint);
  await waitFor('the undo hook', () => (existsSync(undone) ? true : undefined), 20_000);
  assert.equal(await readFile(undone, 'utf8'), 'undo UMOUNT');
  const status = await daemon.get<{ recent: Array<{ rule: string; phase: string; outcome: string }>; activity: Record<string, { matched: number; resolving: number; fired: number; undone: number; lastMatch?: { seq: number; type: string } }> }>('/api/v1/rules');
  assert.deepEqual(status.recent.filter((r) => r.rule === 'ro').map((r) => `${r.phase}:${r.outcome}`), ['fire:success', 'undo:success']);
  const activity = status.activity.ro!;
  assert.deepEqual([activity.fired, activity.undone, activity.resolving], [1, 1, 1], JSON.stringify(activity));
  assert.ok(activity.matched >= 1);
  assert.equal(activity.lastMatch?.type, 'ERR_REMOUNT_RO', 'the API names the event the rule last matched');
  assert.ok(activity.lastMatch.seq >= event.seq);
});
