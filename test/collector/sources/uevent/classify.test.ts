import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classifyUevent } from '../../../../src/collector/sources/uevent/classify.ts';
import { parseUevent, type Uevent } from '../../../../src/collector/sources/uevent/parse.ts';
import { MountTable } from '../../../../src/collector/mounts/table.ts';
import { mountEntry } from '../../../helpers/fake-context.ts';
import { ueventMessage } from '../../../helpers/netlink-peer.ts';

const table = new MountTable();
table.replace([
  mountEntry(30, '7:1', '/mnt/loop', 'ext4', { kernelName: 'loop1', device: '/dev/loop1' }),
  mountEntry(31, '8:17', '/data', 'xfs', { kernelName: 'sdb1', device: '/dev/sdb1', lowerDevices: [{ name: 'sdb', startSector: 2048, sectors: 1000 }] }),
]);

function event(action: string, props: Record<string, string | number>): Uevent {
  const parsed = parseUevent(ueventMessage(action, `/devices/virtual/block/${props.DEVNAME ?? 'x'}`, 9, { SUBSYSTEM: 'block', ...props }));
  assert.ok(typeof parsed === 'object');
  return parsed;
}

test('removal of the device a filesystem sits on is DEVICE_REMOVED on its devno', () => {
  const r = classifyUevent(event('remove', { MAJOR: 7, MINOR: 1, DEVNAME: 'loop1', DEVTYPE: 'disk' }), table, 5);
  assert.ok('observation' in r);
  assert.equal(r.observation.type, 'DEVICE_REMOVED');
  assert.deepEqual(r.observation.mount, { devno: { major: 7, minor: 1 } });
  assert.equal(r.observation.data.devName, 'loop1');
});

test('removal of the disk under a mounted partition reaches the partition\'s mount by device name', () => {
  const r = classifyUevent(event('remove', { MAJOR: 8, MINOR: 16, DEVNAME: 'sdb', DEVTYPE: 'disk' }), table, 5);
  assert.ok('observation' in r);
  assert.deepEqual(r.observation.mount, { deviceName: 'sdb' });
  assert.equal(r.observation.data.lowerDevice, true);
});

test('each block-layer change key becomes DEVICE_CHANGED with its kind; a plain change is not news', () => {
  const kinds: Array<[Record<string, string>, string]> = [
    [{ RESIZE: '1' }, 'resize'],
    [{ DISK_MEDIA_CHANGE: '1' }, 'media'],
    [{ DISK_EJECT_REQUEST: '1' }, 'eject-request'],
    [{ DISK_RO: '1' }, 'read-only'],
    [{ DISK_RO: '0' }, 'writable'],
  ];
  for (const [props, change] of kinds) {
    const r = classifyUevent(event('change', { MAJOR: 7, MINOR: 1, DEVNAME: 'loop1', ...props }), table, 5);
    assert.ok('observation' in r);
    assert.equal(r.observation.type, 'DEVICE_CHANGED');
    assert.equal(r.observation.data.change, change);
  }
  assert.deepEqual(classifyUevent(event('change', { MAJOR: 7, MINOR: 1, DEVNAME: 'loop1' }), table, 5), { skipped: 'plain-change' });
});

test('other subsystems, unmounted devices, add and bad device numbers produce nothing', () => {
  assert.deepEqual(classifyUevent(event('remove', { MAJOR: 7, MINOR: 2, DEVNAME: 'loop2' }), table, 5), { skipped: 'not-mounted' });
  assert.deepEqual(classifyUevent(event('add', { MAJOR: 7, MINOR: 1, DEVNAME: 'loop1' }), table, 5), { skipped: 'other-action' });
  assert.deepEqual(classifyUevent(event('remove', { MAJOR: 'x', MINOR: 1, DEVNAME: 'loop1' }), table, 5), { dropped: 'bad-devno' });
  const net = parseUevent(ueventMessage('remove', '/devices/virtual/net/veth0', 3, { SUBSYSTEM: 'net', INTERFACE: 'veth0' }));
  assert.ok(typeof net === 'object');
  assert.deepEqual(classifyUevent(net, table, 5), { skipped: 'not-block' });
});
