import assert from 'node:assert/strict';
import { test } from 'node:test';
import { btrfsCounterName, btrfsFinding } from '../../../../src/collector/sources/sysfs/btrfs.ts';

const UUID = '8287ce67-5f66-4853-b49b-ed7e1fd5cb18';

test('read, write and flush errors are IO_ERROR; corruption and generation errors are FS_ERROR', () => {
  const types = ['write_errs', 'read_errs', 'flush_errs', 'corruption_errs', 'generation_errs'].map(
    (counter) => btrfsFinding({ counter: btrfsCounterName('2', counter), delta: 1, total: 1 }, UUID)?.type,
  );
  assert.deepEqual(types, ['IO_ERROR', 'IO_ERROR', 'IO_ERROR', 'FS_ERROR', 'FS_ERROR']);
});

test('the finding names the device, the counter and how much it rose', () => {
  assert.deepEqual(btrfsFinding({ counter: '1/corruption_errs', delta: 3, total: 4 }, UUID), {
    type: 'FS_ERROR',
    data: { counter: 'corruption_errs', delta: 3, total: 4, devid: 1, fsUuid: UUID, errorCount: 3 },
  });
  assert.equal(btrfsFinding({ counter: '1/future_errs', delta: 1, total: 1 }, UUID), undefined, 'an unknown counter is not reported');
});
