import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MountTable, diffMounts, isReadOnly } from '../../../src/collector/mounts/table.ts';
import type { MountEntry } from '../../../src/collector/types.ts';

function mount(id: number, mountpoint: string, extra: Partial<MountEntry> = {}): MountEntry {
  return { mountId: id, parentId: 1, major: 7, minor: 0, root: '/', mountpoint, mountOptions: ['rw'], optionalFields: [], fstype: 'ext4', device: '/dev/loop0', superOptions: ['rw'], kernelName: 'loop0', ...extra };
}

test('diff reports added, removed and changed mounts', () => {
  const before = new Map([[1, mount(1, '/a')], [2, mount(2, '/b')]]);
  const changes = diffMounts(before, [mount(1, '/a', { mountOptions: ['ro'] }), mount(3, '/c')]);
  assert.deepEqual(changes.map((c) => [c.kind, c.kind === 'removed' ? c.before.mountId : c.after.mountId]), [['changed', 1], ['added', 3], ['removed', 2]]);
});

test('a reused mount id with another mount point is a removal and an addition', () => {
  const changes = diffMounts(new Map([[5, mount(5, '/old')]]), [mount(5, '/new')]);
  assert.deepEqual(changes.map((c) => c.kind), ['removed', 'added']);
});

test('bind mounts share a devno; the filesystem root mount is primary', () => {
  const table = new MountTable();
  table.replace([mount(10, '/srv/bind', { root: '/sub' }), mount(11, '/mnt/data'), mount(12, '/x', { major: 8, minor: 1, device: '/dev/sda1', kernelName: 'sda1' })]);
  assert.deepEqual(table.byDevno(7, 0).map((m) => m.mountId), [11, 10]);
  assert.deepEqual(table.byDeviceName('loop0').map((m) => m.mountId), [11, 10]);
  assert.deepEqual(table.byDeviceName('/dev/sda1').map((m) => m.mountId), [12]);
  assert.deepEqual(table.byDeviceName('nvme0n1'), []);
});

test('path lookup takes the longest prefix and the topmost of stacked mounts', () => {
  const table = new MountTable();
  table.replace([mount(1, '/', { major: 254 }), mount(2, '/mnt'), mount(3, '/mnt/a b'), mount(4, '/mnt/a b', { minor: 9 })]);
  assert.equal(table.byPath('/mnt/a b/file')?.mountId, 4);
  assert.equal(table.byPath('/mnt/a bc')?.mountId, 2, 'a sibling with a common prefix is not inside');
  assert.equal(table.byPath('/etc/passwd')?.mountId, 1);
});

test('listeners hear changes only when there are some', () => {
  const table = new MountTable();
  const heard: number[] = [];
  table.onChange((changes) => heard.push(changes.length));
  table.replace([mount(1, '/a')]);
  table.replace([mount(1, '/a')]);
  table.replace([]);
  assert.deepEqual(heard, [1, 1]);
});

test('read-only: per mount, per superblock, and ext4 emergency_ro', () => {
  assert.equal(isReadOnly(mount(1, '/a')), false);
  assert.equal(isReadOnly(mount(1, '/a', { mountOptions: ['ro', 'relatime'] })), true);
  assert.equal(isReadOnly(mount(1, '/a', { superOptions: ['ro'] })), true);
  assert.equal(isReadOnly(mount(1, '/a', { superOptions: ['rw', 'emergency_ro'] })), true);
});
