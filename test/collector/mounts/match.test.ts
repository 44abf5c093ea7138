/**
 * References that name no mount directly, resolved by the gatherer: a disk under mounted
 * partitions (with the sector picking the partition), a dm member, and network servers and
 * filesystem names.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Gatherer } from '../../../src/collector/gatherer.ts';
import { MountTable } from '../../../src/collector/mounts/table.ts';
import type { MountRef } from '../../../src/collector/types.ts';
import { mountEntry } from '../../helpers/fake-context.ts';

const table = new MountTable();
table.replace([
  mountEntry(1, '8:1', '/', 'ext4', { kernelName: 'sda1', device: '/dev/sda1', lowerDevices: [{ name: 'sda', startSector: 2048, sectors: 1000 }] }),
  mountEntry(2, '8:2', '/home', 'xfs', { kernelName: 'sda2', device: '/dev/sda2', lowerDevices: [{ name: 'sda', startSector: 3048, sectors: 5000 }] }),
  mountEntry(3, '8:2', '/srv/home-bind', 'xfs', { kernelName: 'sda2', device: '/dev/sda2', root: '/srv', lowerDevices: [{ name: 'sda', startSector: 3048, sectors: 5000 }] }),
  mountEntry(4, '253:0', '/data', 'ext4', { kernelName: 'dm-0', device: '/dev/mapper/vg-data', lowerDevices: [{ name: 'sdb1' }, { name: 'sdb', startSector: 2048, sectors: 90000 }] }),
  mountEntry(5, '0:50', '/nfs/a', 'nfs4', { device: 'filer01:/export/a' }),
  mountEntry(6, '0:51', '/nfs/b', 'nfs', { device: 'FILER01:/export/b' }),
  mountEntry(7, '0:52', '/nfs/c', 'nfs4', { device: '[fd00::5]:/c' }),
  mountEntry(8, '0:53', '/smb', 'cifs', { device: '//fs01.corp/share' }),
  mountEntry(9, '0:54', '/lustre/scratch', 'lustre', { device: '10.0.0.1@tcp:/scratch' }),
  mountEntry(10, '0:55', '/lustre/scratch2', 'lustre', { device: '10.0.0.1@tcp:/scratch2' }),
  mountEntry(11, '0:56', '/cephfs', 'ceph', { device: '10.0.0.1:6789,10.0.0.2:6789:/' }),
]);
const gatherer = new Gatherer(table);
const mountpoints = (ref: MountRef) => gatherer.resolve(ref).map((m) => m.mountpoint);

test('a partition is found by its own name first', () => {
  assert.deepEqual(mountpoints({ deviceName: 'sda2' }), ['/home', '/srv/home-bind']);
});

test('a disk error reaches the mounts of the partition holding the sector, bind mounts included', () => {
  assert.deepEqual(mountpoints({ deviceName: 'sda', sector: 2048 }), ['/']);
  assert.deepEqual(mountpoints({ deviceName: 'sda', sector: 3047 }), ['/']);
  assert.deepEqual(mountpoints({ deviceName: 'sda', sector: 4000 }), ['/home', '/srv/home-bind']);
});

test('a disk error outside every partition (a flush at sector 0) concerns every mount on the disk', () => {
  assert.deepEqual(mountpoints({ deviceName: 'sda', sector: 0 }), ['/', '/home', '/srv/home-bind']);
  assert.deepEqual(mountpoints({ deviceName: 'sda' }), ['/', '/home', '/srv/home-bind']);
});

test('an error on a member of a dm device reaches the dm device\'s mount', () => {
  assert.deepEqual(mountpoints({ deviceName: 'sdb1' }), ['/data']);
  assert.deepEqual(mountpoints({ deviceName: 'sdb', sector: 5000 }), ['/data']);
  assert.deepEqual(mountpoints({ deviceName: 'sdc' }), []);
});

test('a network server reaches every mount from it, whatever the case or the NFS version', () => {
  assert.deepEqual(mountpoints({ server: 'filer01', fstype: 'nfs' }), ['/nfs/a', '/nfs/b']);
  assert.deepEqual(mountpoints({ server: 'fd00::5', fstype: 'nfs' }), ['/nfs/c']);
  assert.deepEqual(mountpoints({ server: 'fs01.corp', fstype: 'cifs' }), ['/smb']);
  assert.deepEqual(mountpoints({ server: '10.0.0.2', fstype: 'ceph' }), ['/cephfs']);
  assert.deepEqual(mountpoints({ server: 'elsewhere', fstype: 'nfs' }), [], 'a server nobody mounts from concerns no mount');
  assert.deepEqual(mountpoints({ server: 'filer01', fstype: 'cifs' }), [], 'the type limits the match');
});

test('a filesystem name picks its mounts exactly; without a match it concerns every mount of the type', () => {
  assert.deepEqual(mountpoints({ fsname: 'scratch', fstype: 'lustre' }), ['/lustre/scratch']);
  assert.deepEqual(mountpoints({ fsname: '4c2f6a2e-8b1e-11ee-9c2d-525400123456', fstype: 'ceph' }), ['/cephfs'], 'old-style ceph sources carry no fsid');
});

test('the gathered event names the primary mount and lists the others', () => {
  const { event, mountIds } = gatherer.gather({ source: 'kmsg', type: 'IO_ERROR', time: 0, mount: { deviceName: 'sda', sector: 4000 }, data: {} });
  assert.equal(event.mountpoint, '/home');
  assert.deepEqual(event.data.alsoMountedAt, ['/srv/home-bind']);
  assert.equal(event.data.alsoMountedCount, 1);
  assert.deepEqual(mountIds, [2, 3]);
});
