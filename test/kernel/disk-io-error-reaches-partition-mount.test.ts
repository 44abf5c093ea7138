/**
 * The block layer names the whole disk ("I/O error, dev loop5, sector N"), not the partition that
 * is mounted. A real failing disk: a partitioned image on a loop device (ext4 on its first
 * partition), the image stored on an XFS that is then shut down, so every read of the loop device
 * fails with EIO. The client gets IO_ERROR for the partition's mount point, mapped through sysfs
 * (the partition's disk, start and size).
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { eventsOf, mountState, startDaemonWith } from '../helpers/faults.ts';
import { loopMount, needRoot, run, tempDir, unmount, waitFor } from '../helpers/system.ts';

test('an I/O error on a disk reaches the mount of the partition holding the sector', async (t) => {
  if (!needRoot(t)) return;
  const tools = await run('sh', ['-c', 'command -v mkfs.xfs && command -v xfs_io && command -v sfdisk && command -v partx']).catch(() => '');
  if (tools.trim().split('\n').length < 4) return void t.skip('needs xfsprogs and fdisk (sfdisk, partx); scripts/test-deps.sh installs them');
  const dir = await tempDir(t);
  const daemon = await startDaemonWith(t, dir, { correlation: { windowMs: 300 } });
  const host = join(dir, 'host');
  await mkdir(host);
  await run('truncate', ['-s', '300M', join(dir, 'host.img')]);
  await run('mkfs.xfs', ['-q', '-f', join(dir, 'host.img')]);
  await loopMount(t, join(dir, 'host.img'), host);
  const disk = join(host, 'disk.img');
  await run('truncate', ['-s', '64M', disk]);
  await run('sh', ['-c', 'printf "label: dos\\nstart=2048, size=100000, type=83\\n" | sfdisk -q "$1"', 'sh', disk]);
  const loop = (await run('losetup', ['-fP', '--show', disk])).trim();
  t.after(() => run('losetup', ['-d', loop]).catch(() => undefined));
  const partition = `${loop}p1`;
  // Partition scanning may lag losetup -P (and no udev here): ask for it explicitly.
  await waitFor(`${partition}`, async () => (await run('partx', ['-a', loop]).catch(() => ''), await run('test', ['-b', partition]).then(() => true, () => undefined)), 5000);
  await run('mkfs.ext4', ['-q', '-F', partition]);
  const mountpoint = join(dir, 'mnt');
  await mkdir(mountpoint);
  await run('mount', [partition, mountpoint]);
  t.after(() => unmount(mountpoint));
  await writeFile(join(mountpoint, 'f'), 'data');
  await run('sync', []);
  await mountState(daemon, mountpoint);
  const start = (await daemon.get<{ lastSeq: number }>('/healthz')).lastSeq;

  await run('xfs_io', ['-x', '-c', 'shutdown', host]); // the disk image becomes unreadable
  await run('dd', [`if=${join(mountpoint, 'f')}`, 'iflag=nocache', 'count=0', 'status=none']);
  await assert.rejects(run('cat', [join(mountpoint, 'f')]), 'the read fails');
  const [event] = await waitFor('IO_ERROR on the partition mount', async () => {
    const found = (await eventsOf(daemon, mountpoint, ['IO_ERROR'], start)).filter((e) => e.data.disk !== undefined);
    return found.length > 0 ? found : undefined;
  }, 15_000);
  const diskName = loop.replace('/dev/', '');
  assert.equal(event!.data.disk, diskName, 'the kernel named the disk');
  assert.equal(event!.device, partition, 'the event names the mounted partition');
  assert.equal(event!.data.errno, 5);
  assert.ok(typeof event!.data.sector === 'number' && event!.data.sector >= 2048, 'inside the partition');
});
