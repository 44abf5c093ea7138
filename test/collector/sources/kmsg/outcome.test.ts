/**
 * btrfs lines whose meaning depends on other lines: a read-path checksum failure becomes
 * CORRECTED when the repair line for the same block follows, UNCORRECTED when nothing does;
 * device counter lines are news only when a counter grew.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRecord, type KmsgRecord } from '../../../../src/collector/sources/kmsg/parse.ts';
import { KmsgProcessor } from '../../../../src/collector/sources/kmsg/processor.ts';

const FAILED = '4,436,1000000,-;BTRFS warning (device loop0): csum failed root 5 ino 257 off 20480 csum 0xa508604a expected csum 0x95306b6e mirror 1';
const STATS = '3,437,1000100,-;BTRFS error (device loop0): bdev /dev/loop0 errs: wr 0, rd 0, flush 0, corrupt 1, gen 0';
const REPAIRED = '6,438,1001000,-;BTRFS info (device loop0): read error corrected: ino 257 off 20480 (dev /dev/loop0 sector 172200)';
const OTHER_BLOCK = '6,438,1001000,-;BTRFS info (device loop0): read error corrected: ino 257 off 4096 (dev /dev/loop0 sector 172200)';

/** One record, without sequence accounting (these lines reuse numbers). */
function feed(processor: KmsgProcessor, line: string, now: number) {
  return processor.record(parseRecord(line) as KmsgRecord, now);
}

test('a checksum failure followed by the repair of that block is one corrected fault', () => {
  const p = new KmsgProcessor({ expectedSeq: -1, correctionWaitMs: 500 });
  assert.deepEqual(feed(p, FAILED, 0), [], 'held until the outcome is known');
  assert.equal(p.nextDue, 500);
  assert.deepEqual(feed(p, STATS, 2), [], 'a corruption counter increase is the checksum line\'s news');
  const out = feed(p, REPAIRED, 3);
  assert.deepEqual(out.map((o) => o.type), ['CORRECTED_CHECKSUM_ERROR', 'CORRECTED_CHECKSUM_ERROR']);
  assert.equal(out[0]!.data.mirror, 1, 'the failure line keeps its details');
  assert.equal(out[0]!.data.corrected, true);
  assert.equal(out[0]!.time, 0, 'and its own time');
  assert.equal(p.nextDue, undefined);
  assert.deepEqual(p.drain(), []);
});

test('a failure nobody repairs is released as uncorrected when the wait ends, not before', () => {
  const p = new KmsgProcessor({ expectedSeq: -1, correctionWaitMs: 500 });
  feed(p, FAILED, 0);
  assert.deepEqual(p.expire(499), []);
  assert.deepEqual(feed(p, OTHER_BLOCK, 100).map((o) => o.type), ['CORRECTED_CHECKSUM_ERROR'], 'another block\'s repair does not resolve it');
  const out = p.expire(500);
  assert.deepEqual(out.map((o) => o.type), ['UNCORRECTED_CHECKSUM_ERROR']);
  assert.equal(out[0]!.time, 0);
});

test('a repair after the wait ended is its own event; the failure was already uncorrected', () => {
  const p = new KmsgProcessor({ expectedSeq: -1, correctionWaitMs: 500 });
  feed(p, FAILED, 0);
  assert.deepEqual(feed(p, REPAIRED, 600).map((o) => o.type), ['UNCORRECTED_CHECKSUM_ERROR', 'CORRECTED_CHECKSUM_ERROR']);
});

test('stop releases what is held', () => {
  const p = new KmsgProcessor({ expectedSeq: -1, correctionWaitMs: 60_000 });
  feed(p, FAILED, 0);
  assert.deepEqual(p.drain().map((o) => o.type), ['UNCORRECTED_CHECKSUM_ERROR']);
});

test('device counter lines: an increase of write/read/flush is IO_ERROR, of generation ERR_CORRUPTED, a repeat nothing', () => {
  const p = new KmsgProcessor({ expectedSeq: -1, correctionWaitMs: 500 });
  const line = (wr: number, gen: number, corrupt: number) => `3,1,1,-;BTRFS error (device sda1): bdev /dev/sdb errs: wr ${wr}, rd 0, flush 0, corrupt ${corrupt}, gen ${gen}`;
  const first = feed(p, line(2, 0, 0), 0);
  assert.deepEqual(first.map((o) => [o.type, o.data.firstSighting]), [['IO_ERROR', true]]);
  assert.deepEqual(feed(p, line(2, 0, 0), 1), [], 'nothing grew');
  const grew = feed(p, line(3, 0, 0), 2);
  assert.deepEqual(grew.map((o) => o.type), ['IO_ERROR']);
  assert.deepEqual((grew[0]!.data.delta as Record<string, number>).writeErrs, 1);
  assert.deepEqual(feed(p, line(3, 1, 0), 3).map((o) => o.type), ['ERR_CORRUPTED']);
  assert.deepEqual(feed(p, line(3, 1, 5), 4), []);
});

test('held failures are bounded: the oldest goes out early instead of growing without limit', () => {
  const p = new KmsgProcessor({ expectedSeq: -1, correctionWaitMs: 60_000 });
  let released = 0;
  for (let i = 0; i < 1100; i++) {
    released += feed(p, FAILED.replace('off 20480', `off ${i * 4096}`), i).length;
  }
  assert.equal(released, 1100 - 1024);
  assert.equal(p.drain().length, 1024);
});
