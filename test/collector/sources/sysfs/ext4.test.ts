import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ext4Finding } from '../../../../src/collector/sources/sysfs/ext4.ts';

test('errors_count rising is FS_ERROR described by last_error_*, with ext4 error code 5 mapped to errno 117', () => {
  const finding = ext4Finding(
    { counter: 'errors_count', delta: 2, total: 3 },
    { last_error_errcode: '5\n', last_error_func: 'trigger_test_error\n', last_error_line: '129\n', last_error_ino: '0\n', last_error_block: '0\n', last_error_time: '1795395492\n' },
  );
  assert.deepEqual(finding, {
    type: 'FS_ERROR',
    data: { counter: 'errors_count', delta: 2, total: 3, errorCount: 2, ext4ErrorCode: 5, errno: 117, function: 'trigger_test_error', line: 129, lastErrorTime: '2026-11-23T00:58:12.000Z' },
  });
});

test('a checksum error (code 4) is errno 74 with its inode; an unknown code (1) gives no errno', () => {
  const crc = ext4Finding({ counter: 'errors_count', delta: 1, total: 1 }, { last_error_errcode: '4', last_error_ino: '12', last_error_block: '7985' });
  assert.equal(crc.data.errno, 74);
  assert.equal(crc.data.inode, 12);
  assert.equal(crc.data.block, 7985);
  const unknown = ext4Finding({ counter: 'errors_count', delta: 1, total: 1 }, { last_error_errcode: '1' });
  assert.equal(unknown.data.errno, undefined);
  assert.equal(unknown.data.ext4ErrorCode, 1);
  assert.equal(ext4Finding({ counter: 'errors_count', delta: 1, total: 1 }, {}).data.errno, undefined, 'last_error files unreadable');
});

test('warning_count rising is FS_WARNING', () => {
  assert.deepEqual(ext4Finding({ counter: 'warning_count', delta: 4, total: 10 }, {}), {
    type: 'FS_WARNING',
    data: { counter: 'warning_count', delta: 4, total: 10, warningCount: 4 },
  });
});
