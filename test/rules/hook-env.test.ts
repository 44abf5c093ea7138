/**
 * The FSEVD_* environment: every field, non-UTF-8 path bytes as \xNN (real surrogate pairs kept),
 * NUL dropped, scalar data fields only.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { envSafe, hookEnvironment } from '../../src/rules/hook-env.ts';
import { request } from './actions/request.ts';

test('escapes lone surrogate bytes, keeps emoji, drops NUL', () => {
  assert.equal(envSafe('/mnt/\udcff\udc80/😀'), '/mnt/\\xff\\x80/😀');
  assert.equal(envSafe('a\u0000b'), 'ab');
});

test('the variables of a request', () => {
  const base = request('undo', 'c042', { reason: 'why' });
  const env = hookEnvironment({ ...base, event: { ...base.event, major: 7, minor: 0, data: { errno: 5, reason: 'x y', nested: { a: 1 } } } });
  assert.equal(env.FSEVD_PHASE, 'undo');
  assert.equal(env.FSEVD_NODE, 'c042');
  assert.equal(env.FSEVD_REASON, 'why');
  assert.equal(env.FSEVD_MOUNTPOINT, '/scratch');
  assert.equal(env.FSEVD_MAJOR, '7');
  assert.equal(env.FSEVD_TRANSIENT, '1');
  assert.equal(env.FSEVD_SOURCES, 'statfs');
  assert.equal(env.FSEVD_DATA_ERRNO, '5');
  assert.equal(env.FSEVD_DATA_REASON, 'x y');
  assert.equal(env.FSEVD_DATA_NESTED, undefined, 'objects stay on stdin');
  assert.equal(env.FSEVD_DEVICE, undefined, 'absent fields are absent');
});
