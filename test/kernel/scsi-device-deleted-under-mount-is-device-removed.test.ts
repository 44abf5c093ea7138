/**
 * A disk that disappears under a mounted filesystem: a scsi_debug disk, formatted and mounted,
 * then deleted through sysfs (`echo 1 > /sys/block/sdX/device/delete`, what a hot-unplug does).
 * SCSI deletes the gendisk even while it is open, so the kernel sends `remove` for the disk while
 * the filesystem is still mounted; that must reach the mount as DEVICE_REMOVED. Loop devices
 * cannot do this (a bound loop device refuses deletion and `losetup -d` waits for the last
 * close), nor can zram (hot_remove and reset answer EBUSY while mounted, checked on this kernel)
 * or, per dmsetup(8), dm (`remove --force` swaps in an error table, the device stays until the
 * last close; this kernel has no device-mapper anyway). Needs the scsi_debug module, which this
 * project's CI kernel does not have (no modules at all); the test says so and skips there.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startSources } from '../helpers/sources.ts';
import { needRoot, run, tempDir, unmount, waitFor } from '../helpers/system.ts';

/** The sd disk scsi_debug created (its model is "scsi_debug"), if any. */
async function scsiDebugDisk(): Promise<string | undefined> {
  for (const name of await readdir('/sys/block')) {
    if (!name.startsWith('sd')) continue;
    const model = await run('cat', [`/sys/block/${name}/device/model`]).catch(() => '');
    if (model.trim() === 'scsi_debug') return name;
  }
  return undefined;
}

test('a scsi disk deleted under a mounted ext4 is DEVICE_REMOVED on that mount', async (t) => {
  if (!needRoot(t)) return;
  // Without loadable modules (no /proc/modules) scsi_debug can only be built in, which shows in sysfs.
  if (!existsSync('/proc/modules') && !existsSync('/sys/bus/pseudo/drivers/scsi_debug')) {
    return t.skip('this kernel has no loadable-module support (no /proc/modules) and no built-in scsi_debug; no other block device here can be removed while mounted (loop, zram refuse)');
  }
  try {
    await run('modprobe', ['scsi_debug', 'dev_size_mb=32', 'num_tgts=1']);
  } catch (err) {
    return t.skip(`no scsi_debug module on this kernel, and no other block device here can be removed while mounted: ${(err as Error).message}`);
  }
  t.after(() => run('modprobe', ['-r', 'scsi_debug']).catch(() => undefined));
  const disk = await waitFor('the scsi_debug disk', scsiDebugDisk);
  const dir = await tempDir(t);
  const mnt = join(dir, 'mnt');
  await mkdir(mnt);
  await run('mkfs.ext4', ['-q', '-F', `/dev/${disk}`]);
  await run('mount', [`/dev/${disk}`, mnt]);
  t.after(() => unmount(mnt));
  const sources = await startSources(t, { mountinfo: {}, uevent: {} });
  const entry = await waitFor('the mount in the table', () => sources.table.all().find((m) => m.mountpoint === mnt));
  await writeFile(`/sys/block/${disk}/device/delete`, '1');
  const removed = await waitFor('DEVICE_REMOVED', () => sources.observations.find((o) => o.type === 'DEVICE_REMOVED' && o.data.devName === disk));
  assert.deepEqual(removed.mount, { devno: { major: entry.major, minor: entry.minor } });
  assert.equal(removed.data.action, 'remove');
});
