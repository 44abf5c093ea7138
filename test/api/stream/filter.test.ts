import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FsEvent } from '../../../src/collector/types.ts';
import { compileFilter, filterFromQuery } from '../../../src/api/stream/filter.ts';
import { compileGlob } from '../../../src/api/stream/glob.ts';

function event(fields: Partial<FsEvent>): FsEvent {
  return { seq: 1, time: '', node: 'n', type: 'FS_ERROR', code: 9, class: 'error', severity: 'error', transient: false, sources: ['kmsg'], count: 1, data: {}, ...fields };
}

test('mount globs: * stays within a component, ** crosses, ? is one character, /** includes the directory', () => {
  const cases: Array<[string, string, boolean]> = [
    ['/data/*', '/data/a', true],
    ['/data/*', '/data/a/b', false],
    ['/data/*', '/data', false],
    ['/data/**', '/data', true],
    ['/data/**', '/data/a/b/c', true],
    ['/data/**', '/database', false],
    ['/mnt/disk?', '/mnt/disk1', true],
    ['/mnt/disk?', '/mnt/disk12', false],
    ['/mnt/disk?', '/mnt/disk/', false],
    ['**/scratch', '/a/b/scratch', true],
    ['/srv/*/logs', '/srv/x/logs', true],
    ['/srv/*/logs', '/srv/x/y/logs', false],
    ['/exact', '/exact', true],
    ['/exact', '/exact/no', false],
    ['/a.b', '/aXb', false],
    ['/with space/*', '/with space/x', true],
  ];
  for (const [glob, path, expected] of cases) assert.equal(compileGlob(glob)(path), expected, `${glob} vs ${path}`);
});

// A backtracking matcher (a RegExp of .*a.*a…) would not finish this in the age of the universe;
// the position-set matcher does it in milliseconds. The timeout only turns a hang into a failure.
test('a hostile glob costs polynomial time, not exponential', { timeout: 60_000 }, () => {
  assert.equal(compileGlob(`${'**a'.repeat(40)}b`)(`/${'a'.repeat(2000)}`), false);
  assert.equal(compileGlob(`${'*a'.repeat(40)}`)(`/${'a'.repeat(2000)}`), false);
});

test('every filter field narrows, values within a field widen', () => {
  const ext4Error = event({ type: 'FS_ERROR', class: 'error', severity: 'error', mountpoint: '/data/x', fstype: 'ext4', sources: ['kmsg', 'fanotify'] });
  const mount = event({ type: 'MOUNT', class: 'info', severity: 'info', mountpoint: '/boot', fstype: 'vfat', sources: ['mountinfo'] });
  const lost = event({ type: 'EVENTS_LOST', class: 'warning', severity: 'warning', sources: ['kmsg'] });
  const pick = (spec: Parameters<typeof compileFilter>[0]) => [ext4Error, mount, lost].filter((e) => compileFilter(spec).matches(e)).map((e) => e.type);
  assert.deepEqual(pick({}), ['FS_ERROR', 'MOUNT', 'EVENTS_LOST']);
  assert.equal(compileFilter({}).all, true);
  assert.equal(compileFilter({ types: [] }).all, true);
  assert.deepEqual(pick({ types: ['MOUNT', 'EVENTS_LOST'] }), ['MOUNT', 'EVENTS_LOST']);
  assert.deepEqual(pick({ classes: ['error', 'warning'] }), ['FS_ERROR', 'EVENTS_LOST']);
  assert.deepEqual(pick({ severity: 'warning' }), ['FS_ERROR', 'EVENTS_LOST']);
  assert.deepEqual(pick({ mounts: ['/data/**'] }), ['FS_ERROR']);
  assert.deepEqual(pick({ fstypes: ['vfat', 'xfs'] }), ['MOUNT']);
  assert.deepEqual(pick({ sources: ['fanotify'] }), ['FS_ERROR']);
  assert.deepEqual(pick({ sources: ['kmsg'], severity: 'error' }), ['FS_ERROR']);
  assert.deepEqual(pick({ types: ['MOUNT'], fstypes: ['ext4'] }), []);
});

test('query parameters: comma lists and repeated parameters; mounts keep their commas', () => {
  assert.deepEqual(filterFromQuery({ types: 'MOUNT,UMOUNT', sources: ['kmsg', 'api,mountinfo'], mounts: ['/a,b', '/c'], severity: 'error' }), {
    types: ['MOUNT', 'UMOUNT'],
    sources: ['kmsg', 'api', 'mountinfo'],
    mounts: ['/a,b', '/c'],
    severity: 'error',
  });
  assert.deepEqual(filterFromQuery({}), {});
});

test('query parameters with unknown values are refused, naming the parameter and the choices', () => {
  assert.throws(() => filterFromQuery({ types: 'MOUNT,NOPE' }), (err: Error & { code?: string }) => err.code === 'FSEVD_E_BAD_REQUEST' && /\/types\/1: must be one of .*MOUNT.*NOPE/.test(err.message));
  assert.throws(() => filterFromQuery({ severity: 'loud' }), /\/severity: must be one of debug, info/);
  assert.throws(() => filterFromQuery({ mounts: Array.from({ length: 17 }, (_, i) => `/m${i}`) }), /\/mounts/);
});
