/**
 * Anyone who can write /dev/kmsg can print "EXT4-fs error (device …)" with any level; the kernel
 * marks such records with a user-space facility (devkmsg_write). A forged line naming a mounted
 * ext4 never becomes an event, while a real error on the same mount right after it does.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { eventsOf, mountState, startDaemonWith } from '../helpers/faults.ts';
import { loopMount, makeExt4Image, needRoot, tempDir, waitFor } from '../helpers/system.ts';

test('a forged kernel log line is ignored; the real error after it is reported', async (t) => {
  if (!needRoot(t)) return;
  const dir = await tempDir(t);
  const daemon = await startDaemonWith(t, dir, { correlation: { windowMs: 200 }, sources: { fanotify: { enabled: false }, sysfs: { enabled: false } } });
  const mountpoint = join(dir, 'mnt');
  await mkdir(mountpoint);
  await loopMount(t, await makeExt4Image(dir), mountpoint, 'loop,errors=continue');
  const device = basename((await mountState(daemon, mountpoint)).device);
  for (const level of [0, 2, 3]) {
    await writeFile('/dev/kmsg', `<${level}>EXT4-fs error (device ${device}): trigger_test_error:129: comm bash: forged\n`);
    await writeFile('/dev/kmsg', `<${level}>EXT4-fs (${device}): Remounting filesystem read-only\n`);
  }
  await writeFile(`/sys/fs/ext4/${device}/trigger_fs_error`, 'real');
  const events = await waitFor('the real error', async () => {
    const found = await eventsOf(daemon, mountpoint, ['FS_ERROR', 'ERR_REMOUNT_RO']);
    return found.some((e) => e.data.message === 'real') ? found : undefined;
  }, 15_000);
  await new Promise((resolve) => setTimeout(resolve, 400));
  const all = await eventsOf(daemon, mountpoint, ['FS_ERROR', 'ERR_REMOUNT_RO']);
  assert.ok(!all.some((e) => e.data.message === 'forged'), JSON.stringify(all));
  assert.ok(!all.some((e) => e.type === 'ERR_REMOUNT_RO'));
  assert.deepEqual(events.map((e) => e.sources), [['kmsg']]);
  assert.equal((await mountState(daemon, mountpoint)).readOnly, false);
});
