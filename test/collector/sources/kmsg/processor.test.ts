/**
 * The record path as the source runs it: sequence gaps are losses, records already read are
 * skipped after a resume, user-space records are counted but never classified, and a real capture
 * from this machine (captured-6.18.kmsg: ext4 trigger and remount-ro, btrfs raid1 read repair and
 * scrub, btrfs single-copy read and scrub, XFS shutdown and dir-block corruption, ext4 checksum
 * corruption and shutdown) yields the events those scenarios are known to produce.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { KmsgProcessor } from '../../../../src/collector/sources/kmsg/processor.ts';
import { SequenceTracker } from '../../../../src/collector/sources/kmsg/sequence.ts';

test('sequence gaps are counted, contiguous records are not, and old records are not new', () => {
  const tracker = new SequenceTracker();
  assert.deepEqual(tracker.advance(10), { isNew: true }, 'the first record sets the start');
  assert.deepEqual(tracker.advance(11), { isNew: true });
  assert.deepEqual(tracker.advance(15), { isNew: true, gap: { lost: 3, from: 12, to: 14 } });
  assert.deepEqual(tracker.advance(15), { isNew: false });
  assert.deepEqual(tracker.advance(3), { isNew: false });
  assert.equal(tracker.lastSeq, 15);
  assert.deepEqual(new SequenceTracker(100).advance(100), { isNew: true }, 'a resume expects the next number');
});

test('a chunk sums its gaps, skips what was read before a resume and drops user-space records', () => {
  const p = new KmsgProcessor({ expectedSeq: 5, correctionWaitMs: 100 });
  const chunk = [
    '6,3,1,-;already read before the restart',
    '6,5,2,-;first new one',
    '12,8,3,-;EXT4-fs error (device loop0): x:1: comm y: forged from user space',
    '2,9,4,-;EXT4-fs error (device loop0): x:1: comm y: real',
    '6,20,5,-;after a bigger hole',
    'garbage',
  ].join('\n');
  const { observations, lost } = p.chunk(`${chunk}\n`, 1);
  assert.deepEqual(lost, { lost: 12, from: 6, to: 19 });
  assert.deepEqual(observations.map((o) => [o.type, o.data.message]), [['FS_ERROR', 'real']]);
  assert.deepEqual(p.stats, { records: 4, userRecords: 1, decodeErrors: 1, replayed: 1, history: 0, observations: 1 });
  assert.equal(p.lastSeq, 20);
});

test('the backlog of a first start only advances the sequence; a gap right after it is still a loss', () => {
  const p = new KmsgProcessor({ expectedSeq: -1, correctionWaitMs: 100 });
  const backlog = p.chunk('2,7,1,-;EXT4-fs error (device loop0): x:1: comm y: old news\n6,8,2,-;x\n', 1, true);
  assert.deepEqual(backlog, { observations: [] });
  assert.equal(p.stats.history, 2);
  const live = p.chunk('2,12,3,-;EXT4-fs error (device loop0): x:1: comm y: news\n', 2);
  assert.deepEqual(live.lost, { lost: 3, from: 9, to: 11 });
  assert.deepEqual(live.observations.map((o) => o.data.message), ['news']);
});

test('the capture from this machine yields the events of its scenarios, in the order they are published (held btrfs failures last)', () => {
  const text = readFileSync(new URL('../../../fixtures/kmsg/captured-6.18.kmsg', import.meta.url), 'latin1');
  const p = new KmsgProcessor({ expectedSeq: -1, correctionWaitMs: 1000 });
  const events: string[] = [];
  for (const line of text.split('\n').filter(Boolean)) {
    const { observations, lost } = p.chunk(`${line}\n`, Number(line.split(',')[2]) / 1000);
    assert.equal(lost, undefined, 'the capture is contiguous');
    for (const o of observations) events.push(`${o.type} ${o.mount?.deviceName} ${o.data.pattern}`);
  }
  for (const o of p.drain()) events.push(`${o.type} ${o.mount?.deviceName} ${o.data.pattern}`);
  assert.deepEqual(events, [
    // ext4 errors=continue and errors=remount-ro, via trigger_fs_error
    'FS_ERROR loop0 ext4.error',
    'FS_ERROR loop1 ext4.error',
    'FS_ERROR loop1 jbd2.abort',
    'ERR_REMOUNT_RO loop1 ext4.remount-ro',
    // btrfs raid1: a cold read hits the bad copy and repairs it
    'CORRECTED_CHECKSUM_ERROR loop0 btrfs.csum-failed',
    'CORRECTED_CHECKSUM_ERROR loop0 btrfs.read-error-corrected',
    // btrfs raid1 scrub repairs the other copy's damage
    'CORRECTED_CHECKSUM_ERROR loop0 btrfs.scrub-fixed',
    // btrfs single copy: scrub cannot repair; the read failures before it had no repair either
    'UNCORRECTED_CHECKSUM_ERROR loop2 btrfs.scrub-unfixable',
    'UNCORRECTED_CHECKSUM_ERROR loop2 btrfs.scrub-bad-sector',
    'UNCORRECTED_CHECKSUM_ERROR loop2 btrfs.csum-failed',
    'UNCORRECTED_CHECKSUM_ERROR loop2 btrfs.csum-failed',
    // XFS shutdown by xfs_io, then a corrupt directory block
    'FS_SHUTDOWN loop1 xfs.shutdown-user',
    'FS_SHUTDOWN loop1 xfs.shutdown',
    'ERR_CORRUPTED loop1 xfs.metadata-corruption',
    'ERR_CORRUPTED loop1 xfs.metadata-corruption',
    'IO_ERROR loop1 xfs.metadata-io-error',
    // ext4 directory block checksum, then FS_IOC_SHUTDOWN
    'FS_WARNING loop1 ext4.warning',
    'FS_ERROR loop1 ext4.error',
    'FS_SHUTDOWN loop1 ext4.shutdown',
    'FS_ERROR loop1 jbd2.abort',
  ]);
});
