/**
 * The block devices beneath a mounted one, read from a sysfs tree. The partition case runs on the
 * real kernel in test/kernel/disk-io-error-reaches-partition-mount.test.ts; device-mapper is not
 * available on this machine, so a dm device over a partition is a fake sysfs tree here, laid out
 * as the kernel lays it out (/sys/class/block/<name> → ../../devices/…/block/<disk>[/<part>]).
 */
import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { lowerDevices } from '../../../../src/collector/sources/mountinfo/lower-devices.ts';
import { tempDir } from '../../../helpers/system.ts';

async function fakeSys(root: string): Promise<string> {
  const devices = join(root, 'devices/pci0000:00/block');
  await mkdir(join(devices, 'sda/sda2'), { recursive: true });
  await mkdir(join(root, 'devices/virtual/block/dm-0/slaves'), { recursive: true });
  await mkdir(join(root, 'devices/virtual/block/loop3'), { recursive: true });
  await writeFile(join(devices, 'sda/sda2/partition'), '2\n');
  await writeFile(join(devices, 'sda/sda2/start'), '1050624\n');
  await writeFile(join(devices, 'sda/sda2/size'), '2097152\n');
  await mkdir(join(root, 'class/block'), { recursive: true });
  await symlink('../../devices/pci0000:00/block/sda', join(root, 'class/block/sda'));
  await symlink('../../devices/pci0000:00/block/sda/sda2', join(root, 'class/block/sda2'));
  await symlink('../../devices/virtual/block/dm-0', join(root, 'class/block/dm-0'));
  await symlink('../../devices/virtual/block/loop3', join(root, 'class/block/loop3'));
  await symlink('../../../pci0000:00/block/sda/sda2', join(root, 'devices/virtual/block/dm-0/slaves/sda2'));
  return root;
}

test('a partition sits on its disk, at its start and size', async (t) => {
  const sys = await fakeSys(await tempDir(t));
  assert.deepEqual(await lowerDevices(sys, 'sda2'), [{ name: 'sda', startSector: 1050624, sectors: 2097152 }]);
});

test('a dm device sits on its members and on their disks', async (t) => {
  const sys = await fakeSys(await tempDir(t));
  assert.deepEqual(await lowerDevices(sys, 'dm-0'), [{ name: 'sda2' }, { name: 'sda', startSector: 1050624, sectors: 2097152 }]);
});

test('a whole disk, a loop device or an unknown name has nothing beneath', async (t) => {
  const sys = await fakeSys(await tempDir(t));
  assert.deepEqual(await lowerDevices(sys, 'sda'), []);
  assert.deepEqual(await lowerDevices(sys, 'loop3'), []);
  assert.deepEqual(await lowerDevices(sys, 'nvme9n9'), []);
});
