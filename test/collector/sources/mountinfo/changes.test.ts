import assert from 'node:assert/strict';
import { test } from 'node:test';
import { observationsFor } from '../../../../src/collector/sources/mountinfo/changes.ts';
import type { MountEntry } from '../../../../src/collector/types.ts';

function mount(id: number, mountpoint: string, extra: Partial<MountEntry> = {}): MountEntry {
  return { mountId: id, parentId: 1, major: 7, minor: 3, root: '/', mountpoint, mountOptions: ['rw', 'relatime'], optionalFields: [], fstype: 'ext4', device: '/dev/loop3', superOptions: ['rw'], ...extra };
}

test('added and removed mounts become MOUNT and UMOUNT with identity', () => {
  const obs = observationsFor([{ kind: 'added', after: mount(1, '/a') }, { kind: 'removed', before: mount(2, '/b') }], 1000);
  assert.deepEqual(obs.map((o) => [o.type, o.identity?.mountpoint, o.identity?.mountId]), [['MOUNT', '/a', 1], ['UMOUNT', '/b', 2]]);
});

test('a remount carries the options before and after', () => {
  const [obs] = observationsFor([{ kind: 'changed', before: mount(1, '/a'), after: mount(1, '/a', { mountOptions: ['ro', 'relatime'], superOptions: ['ro'] }) }], 1000);
  assert.equal(obs?.type, 'REMOUNT');
  assert.deepEqual(obs?.data.before, { mountOptions: ['rw', 'relatime'], superOptions: ['rw'], readOnly: false });
  assert.deepEqual(obs?.data.after, { mountOptions: ['ro', 'relatime'], superOptions: ['ro'], readOnly: true });
});

test('ext4 emergency_ro and shutdown flags raise one error per superblock, not per bind mount', () => {
  const flagged = { superOptions: ['rw', 'emergency_ro', 'shutdown'] };
  const obs = observationsFor([
    { kind: 'changed', before: mount(1, '/a'), after: mount(1, '/a', flagged) },
    { kind: 'changed', before: mount(2, '/bind'), after: mount(2, '/bind', flagged) },
  ], 1000);
  assert.deepEqual(obs.map((o) => o.type), ['REMOUNT', 'ERR_REMOUNT_RO', 'FS_SHUTDOWN', 'REMOUNT']);
  assert.deepEqual(obs[1]?.mount, { devno: { major: 7, minor: 3 } });
});
