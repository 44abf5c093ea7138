/**
 * The gatherer's list of the other mounts of a filesystem stays bounded: a filesystem with 100
 * bind mounts gives events that list the first ALSO_MOUNTED_AT_MAX others in order and count all
 * 99, while the state of every one of the 100 mounts is still updated. A filesystem with few
 * mounts lists them all; one with a single mount lists none.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ALSO_MOUNTED_AT_MAX, Gatherer } from '../../src/collector/gatherer.ts';
import { MountTable } from '../../src/collector/mounts/table.ts';
import type { Observation } from '../../src/collector/types.ts';
import { mountEntry } from '../helpers/fake-context.ts';

const BIND_MOUNTS = 100;
const table = new MountTable();
table.replace([
  mountEntry(1, '8:1', '/', 'ext4'),
  mountEntry(2, '8:2', '/data', 'xfs'),
  ...Array.from({ length: BIND_MOUNTS - 1 }, (_, i) => mountEntry(3 + i, '8:2', `/containers/c${i}/data`, 'xfs', { root: `/c${i}` })),
  mountEntry(200, '8:3', '/home', 'ext4'),
  mountEntry(201, '8:3', '/srv/home', 'ext4'),
]);
const gatherer = new Gatherer(table);
const errorOn = (major: number, minor: number): Observation => ({ source: 'fanotify', type: 'FS_ERROR', time: 0, mount: { devno: { major, minor } }, data: { errno: 117 } });

test('an event of a filesystem with 100 bind mounts lists the first few others and counts them all', () => {
  const { event, mountIds } = gatherer.gather(errorOn(8, 2));
  assert.equal(event.mountpoint, '/data');
  const listed = event.data.alsoMountedAt as string[];
  assert.equal(listed.length, ALSO_MOUNTED_AT_MAX);
  assert.ok(ALSO_MOUNTED_AT_MAX < BIND_MOUNTS - 1, 'the cap is below what this table has');
  assert.deepEqual(listed, Array.from({ length: ALSO_MOUNTED_AT_MAX }, (_, i) => `/containers/c${i}/data`), 'the first ones, in table order');
  assert.equal(event.data.alsoMountedCount, BIND_MOUNTS - 1);
  assert.equal(event.data.errno, 117, 'the observation\'s own data is kept');
  assert.equal(mountIds.length, BIND_MOUNTS, 'every mount\'s state is updated');
});

test('a filesystem with two mounts lists the other; one with a single mount lists none', () => {
  const two = gatherer.gather(errorOn(8, 3)).event;
  assert.deepEqual(two.data.alsoMountedAt, ['/srv/home']);
  assert.equal(two.data.alsoMountedCount, 1);
  const one = gatherer.gather(errorOn(8, 1)).event;
  assert.equal(one.data.alsoMountedAt, undefined);
  assert.equal(one.data.alsoMountedCount, undefined);
});
