/**
 * The uevent source's checks against the system, on fixture trees standing in for /proc and /sys
 * (a removed device or a just-unmounted filesystem cannot be arranged on demand here).
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { confirmDeviceEvent, missingDevices } from '../../../../src/collector/sources/uevent/devices.ts';
import { MountTable } from '../../../../src/collector/mounts/table.ts';
import { mountEntry } from '../../../helpers/fake-context.ts';
import { tempDir } from '../../../helpers/system.ts';

async function tree(t: import('node:test').TestContext, mounted: string[], devices: Record<string, number>) {
  const root = await tempDir(t);
  const proc = join(root, 'proc');
  const sys = join(root, 'sys');
  await mkdir(join(proc, 'self'), { recursive: true });
  await writeFile(join(proc, 'self/mountinfo'), mounted.map((devno, i) => `${30 + i} 1 ${devno} / /mnt/m${i} rw,relatime shared:1 - ext4 /dev/x rw\n`).join(''));
  for (const [devno, sectors] of Object.entries(devices)) {
    await mkdir(join(sys, 'dev/block', devno), { recursive: true });
    await writeFile(join(sys, 'dev/block', devno, 'size'), `${sectors}\n`);
  }
  return { proc, sys };
}

const change = (change: string) => ({ type: 'DEVICE_CHANGED' as const, time: 1, mount: { devno: { major: 7, minor: 1 } }, data: { change } });

test('a device event is published only while the filesystem is still mounted, with the size after a change', async (t) => {
  const mounted = await tree(t, ['7:1'], { '7:1': 40960 });
  assert.deepEqual((await confirmDeviceEvent(change('resize'), mounted))?.data, { change: 'resize', sizeBytes: 40960 * 512 });
  const gone = await tree(t, ['8:1'], { '7:1': 0 });
  assert.equal(await confirmDeviceEvent(change('media'), gone), undefined, 'unmounted meanwhile');
});

test('a media change that leaves the mounted device empty is a removal', async (t) => {
  const paths = await tree(t, ['7:1'], { '7:1': 0 });
  const confirmed = await confirmDeviceEvent(change('media'), paths);
  assert.equal(confirmed?.type, 'DEVICE_REMOVED');
  assert.equal(confirmed?.data.sizeBytes, 0);
});

test('after a loss, mounted filesystems whose block device is gone from sysfs are reported removed, once per device', async (t) => {
  const { sys } = await tree(t, [], { '7:1': 100 });
  const table = new MountTable();
  table.replace([
    mountEntry(30, '7:1', '/mnt/a', 'ext4', { kernelName: 'loop1' }),
    mountEntry(31, '7:2', '/mnt/b', 'ext4', { kernelName: 'loop2' }),
    mountEntry(32, '7:2', '/mnt/b-bind', 'ext4', { kernelName: 'loop2' }),
    mountEntry(33, '0:45', '/run/x', 'tmpfs'),
  ]);
  const missing = await missingDevices(table, sys, 9);
  assert.deepEqual(missing, [{ type: 'DEVICE_REMOVED', time: 9, mount: { devno: { major: 7, minor: 2 } }, data: { devName: 'loop2', major: 7, minor: 2, resync: true } }]);
});
