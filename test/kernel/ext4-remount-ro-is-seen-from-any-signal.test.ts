/**
 * ext4 mounted errors=remount-ro, then a real error (trigger_fs_error): since 6.12 the kernel only
 * adds emergency_ro to the super options (no poll event; observed-on-this-kernel.md §1) and says
 * "Remounting filesystem read-only" in the log. The client gets ERR_REMOUNT_RO for the mount and
 * its state says read-only, from the kernel log and the mount table folded into one fault; and
 * with the kernel log source off (as if the line had been rate-limited away) the mount table
 * alone still gives both.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { eventsOf, faults, mountState, startDaemonWith } from '../helpers/faults.ts';
import { loopMount, makeExt4Image, needRoot, tempDir, waitFor } from '../helpers/system.ts';

async function remountRo(t: TestContext, sources: Record<string, unknown>, expected: string[]) {
  const dir = await tempDir(t);
  const daemon = await startDaemonWith(t, dir, { correlation: { windowMs: 500 }, sources: { mountinfo: { safetyIntervalMs: 1000 }, ...sources } });
  const mountpoint = join(dir, 'mnt');
  await mkdir(mountpoint);
  await loopMount(t, await makeExt4Image(dir), mountpoint, 'loop,errors=remount-ro');
  const before = await mountState(daemon, mountpoint);
  assert.equal(before.readOnly, false);
  await writeFile(`/sys/fs/ext4/${basename(before.device)}/trigger_fs_error`, 'fsevd remount test');
  const events = await waitFor('ERR_REMOUNT_RO from every expected signal', async () => {
    const found = await eventsOf(daemon, mountpoint, ['ERR_REMOUNT_RO']);
    const all = faults(found);
    return all.length === 1 && expected.every((s) => all[0]!.sources.has(s)) ? found : undefined;
  }, 15_000);
  const state = await mountState(daemon, mountpoint);
  return { events, state };
}

test('errors=remount-ro: one ERR_REMOUNT_RO fault from the kernel log and the mount table; the mount is read-only', async (t) => {
  if (!needRoot(t)) return;
  const { events, state } = await remountRo(t, {}, ['kmsg', 'mountinfo']);
  const all = faults(events);
  assert.equal(all.length, 1, `one fault, got ${JSON.stringify(events)}`);
  // Either may come first: the mount table is re-read on the log line, but also on fanotify's
  // FS_ERROR for the same error, which can be earlier than the log line.
  assert.deepEqual([...all[0]!.sources].sort(), ['kmsg', 'mountinfo']);
  assert.ok(state.superOptions.includes('emergency_ro'));
  assert.ok(!state.mountOptions.includes('ro') && !state.superOptions.includes('ro'), 'the kernel never said "ro"');
  assert.equal(state.readOnly, true);
  assert.equal(state.readOnlyByError, true);
});

test('with the kernel log silent, the mount table still yields ERR_REMOUNT_RO and a read-only state', async (t) => {
  if (!needRoot(t)) return;
  const { events, state } = await remountRo(t, { kmsg: { enabled: false } }, ['mountinfo']);
  assert.equal(events.length, 1);
  assert.deepEqual(events[0]!.sources, ['mountinfo']);
  assert.equal(state.readOnly, true);
});
