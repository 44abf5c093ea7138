/**
 * A real XFS forced shutdown (xfs_io -x -c 'shutdown -f'), which only the kernel log reports on
 * this kernel (no fanotify event, no mountinfo flag: observed-on-this-kernel.md §4), reaches a
 * client as FS_SHUTDOWN for that mount, and the mount's state says shut down and read-only.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { eventsOf, faults, mountState, startDaemonWith } from '../helpers/faults.ts';
import { loopMount, needRoot, run, tempDir, waitFor } from '../helpers/system.ts';

test('xfs_io shutdown -f: FS_SHUTDOWN from the kernel log, mount shut down and read-only', async (t) => {
  if (!needRoot(t)) return;
  const mkfs = await run('sh', ['-c', 'command -v mkfs.xfs && command -v xfs_io']).catch(() => '');
  if (!mkfs.trim()) return void t.skip('needs xfsprogs (mkfs.xfs, xfs_io); scripts/test-deps.sh installs it');
  const dir = await tempDir(t);
  const daemon = await startDaemonWith(t, dir, { correlation: { windowMs: 500 } });
  const image = join(dir, 'xfs.img');
  await run('truncate', ['-s', '300M', image]); // mkfs.xfs 6.1 refuses smaller
  await run('mkfs.xfs', ['-q', '-f', image]);
  const mountpoint = join(dir, 'mnt');
  await mkdir(mountpoint);
  await loopMount(t, image, mountpoint);
  assert.equal((await mountState(daemon, mountpoint)).readOnly, false);
  await run('xfs_io', ['-x', '-c', 'shutdown -f', mountpoint]);
  const events = await waitFor('FS_SHUTDOWN and its follow-up', async () => {
    const found = await eventsOf(daemon, mountpoint, ['FS_SHUTDOWN']);
    return found.length >= 2 ? found : undefined;
  }, 15_000);
  const [fault, ...others] = faults(events);
  assert.deepEqual(others, [], 'one fault');
  assert.deepEqual([...fault!.sources], ['kmsg']);
  assert.equal(fault!.first.data.userInitiated, true, 'the first line says who asked');
  const detail = fault!.followUps.find((e) => e.data.pattern === 'xfs.shutdown');
  assert.equal(detail?.data.flags, 4, 'SHUTDOWN_FORCE_UMOUNT');
  const state = await mountState(daemon, mountpoint);
  assert.equal(state.shutdown, true);
  assert.equal(state.readOnly, true);
  assert.equal(state.lastError?.type, 'FS_SHUTDOWN');
});
