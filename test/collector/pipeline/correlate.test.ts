/**
 * Correlation: one fault reported by several sources, or a storm of one fault, becomes few events,
 * with the time supplied by the test (the stage is pure).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventSpec, type EventType } from '../../../src/collector/events.ts';
import type { Gathered, GatheredEvent } from '../../../src/collector/gatherer.ts';
import { Correlator, type CorrelationConfig } from '../../../src/collector/pipeline/correlate.ts';

const CONFIG: CorrelationConfig = { windowMs: 1000, holdMs: 0, maxSpanMs: 10_000 };

function item(type: EventType, source: string, data: Record<string, unknown> = {}, minor = 0): Gathered {
  const spec = eventSpec(type);
  const event: GatheredEvent = {
    time: new Date(0).toISOString(), type, code: spec.code, class: spec.class, severity: spec.severity, transient: spec.transient,
    sources: [source], count: 1, data, major: 7, minor, mountId: 100 + minor, mountpoint: `/mnt/${minor}`,
  };
  return { event, mountIds: [100 + minor] };
}

function setup(config = CONFIG) {
  const published: GatheredEvent[] = [];
  const correlator = new Correlator(config, ({ event }) => published.push(event));
  return { correlator, published };
}

test('the first report is published at once; later reports of the same fault become one follow-up with every source', () => {
  const { correlator, published } = setup();
  correlator.offer(item('FS_ERROR', 'fanotify', { errno: 117, errorCount: 1 }), 0);
  assert.equal(published.length, 1, 'no waiting for the slower sources');
  correlator.offer(item('FS_ERROR', 'kmsg', { errno: 117, errnoInferred: true, function: 'trigger_test_error' }), 4);
  correlator.offer(item('FS_ERROR', 'kmsg', { journalAborted: true }), 5);
  correlator.offer(item('FS_ERROR', 'sysfs', { errorCount: 1 }), 900);
  assert.equal(published.length, 1);
  assert.equal(correlator.nextDue, 1900, 'due when the fault has been quiet for the window');
  correlator.due(1899);
  assert.equal(published.length, 1);
  correlator.due(1900);
  assert.equal(published.length, 2);
  const followUp = published[1]!;
  assert.deepEqual(followUp.sources, ['fanotify', 'kmsg', 'sysfs']);
  assert.equal(followUp.count, 3);
  assert.deepEqual(followUp.data.incident, { seq: 1, total: 4 });
  assert.equal(followUp.data.function, 'trigger_test_error', 'data of the folded reports is kept');
  assert.equal(correlator.nextDue, undefined, 'the fault is closed');
});

test('holdMs > 0 delays the first event so that every source is in it', () => {
  const { correlator, published } = setup({ ...CONFIG, holdMs: 50 });
  correlator.offer(item('FS_ERROR', 'kmsg', { errno: 117, errnoInferred: true }), 0);
  correlator.offer(item('FS_ERROR', 'fanotify', { errno: 74 }), 3);
  correlator.due(49);
  assert.equal(published.length, 0);
  correlator.due(50);
  assert.equal(published.length, 1);
  assert.deepEqual(published[0]!.sources, ['kmsg', 'fanotify']);
  assert.equal(published[0]!.count, 2);
  assert.equal(published[0]!.data.errno, 74, 'the exact errno replaces the one guessed from the log text');
  assert.equal(published[0]!.data.errnoInferred, undefined);
  assert.equal(published[0]!.data.incident, undefined, 'it is the first event, not a follow-up');
  correlator.due(2000);
  assert.equal(published.length, 1, 'nothing more to say');
});

test('a storm of one fault is a few events whose counts add up to every report', () => {
  const { correlator, published } = setup();
  for (let t = 0; t <= 30_000; t += 10) {
    correlator.due(t);
    correlator.offer(item('IO_ERROR', 'kmsg'), t);
  }
  correlator.due(40_000);
  assert.ok(published.length >= 3 && published.length <= 5, `${published.length} events`);
  assert.equal(published.reduce((sum, e) => sum + e.count, 0), 3001);
});

test('different filesystems and different kinds of fault are never folded together', () => {
  const { correlator, published } = setup();
  correlator.offer(item('FS_ERROR', 'kmsg', {}, 0), 0);
  correlator.offer(item('FS_ERROR', 'kmsg', {}, 1), 1);
  correlator.offer(item('ERR_REMOUNT_RO', 'kmsg', {}, 0), 2);
  correlator.offer(item('FS_SHUTDOWN', 'kmsg', {}, 0), 3);
  assert.deepEqual(published.map((e) => `${e.type}@${e.minor}`), ['FS_ERROR@0', 'FS_ERROR@1', 'ERR_REMOUNT_RO@0', 'FS_SHUTDOWN@0']);
});

test('types of one family fold, and the follow-up takes the worst of them', () => {
  const { correlator, published } = setup();
  correlator.offer(item('CORRECTED_CHECKSUM_ERROR', 'kmsg'), 0);
  correlator.offer(item('UNCORRECTED_CHECKSUM_ERROR', 'kmsg', { path: 'victim.dat' }), 10);
  correlator.drain();
  assert.deepEqual(published.map((e) => [e.type, e.count]), [['CORRECTED_CHECKSUM_ERROR', 1], ['UNCORRECTED_CHECKSUM_ERROR', 1]]);
});

test('a counter\'s generic FS_ERROR joins the kernel log\'s checksum fault under its type; the log\'s own FS_ERROR does not', () => {
  const { correlator, published } = setup();
  correlator.offer(item('CORRECTED_CHECKSUM_ERROR', 'kmsg', { inode: 257 }), 0);
  correlator.offer(item('FS_ERROR', 'sysfs', { counter: 'corruption_errs', delta: 1 }), 300);
  correlator.offer(item('FS_ERROR', 'kmsg', { transactionAborted: true, errno: 5 }), 400);
  correlator.drain();
  assert.deepEqual(published.map((e) => [e.type, e.sources.join('+'), e.count]), [
    ['CORRECTED_CHECKSUM_ERROR', 'kmsg', 1],
    ['FS_ERROR', 'kmsg', 1],
    ['CORRECTED_CHECKSUM_ERROR', 'kmsg+sysfs', 1],
  ]);
  assert.equal(published[2]!.data.counter, 'corruption_errs');
  assert.equal(published[2]!.severity, 'warning', 'a repaired block stays a warning');
});

test('a generic FS_ERROR with no specific fault open is a fault of its own', () => {
  const { correlator, published } = setup();
  correlator.offer(item('FS_ERROR', 'sysfs', { counter: 'corruption_errs' }), 0);
  correlator.offer(item('UNCORRECTED_CHECKSUM_ERROR', 'kmsg'), 100);
  assert.deepEqual(published.map((e) => e.type), ['FS_ERROR', 'UNCORRECTED_CHECKSUM_ERROR']);
});

test('ERR_REMOUNT_RO from the kernel log and from the mount table is one fault', () => {
  const { correlator, published } = setup();
  correlator.offer(item('ERR_REMOUNT_RO', 'kmsg'), 0);
  correlator.offer(item('ERR_REMOUNT_RO', 'mountinfo', { superOptions: ['rw', 'emergency_ro'] }), 170);
  correlator.due(5000);
  assert.deepEqual(published.map((e) => [e.type, e.sources.join('+'), e.count]), [['ERR_REMOUNT_RO', 'kmsg', 1], ['ERR_REMOUNT_RO', 'kmsg+mountinfo', 1]]);
});

test('a report after a quiet window starts a new fault', () => {
  const { correlator, published } = setup();
  correlator.offer(item('FS_ERROR', 'kmsg'), 0);
  correlator.offer(item('FS_ERROR', 'kmsg'), 1000);
  assert.equal(published.length, 2);
  assert.equal(published[1]!.data.incident, undefined);
});

test('FS_AVAILABLE ends an FS_UNAVAILABLE fault: its folded reports go out first, then the recovery', () => {
  const { correlator, published } = setup({ ...CONFIG, holdMs: 500 });
  correlator.offer(item('FS_UNAVAILABLE', 'kmsg', { server: 'filer01' }), 0);
  correlator.offer(item('FS_UNAVAILABLE', 'statfs'), 10);
  correlator.offer(item('FS_AVAILABLE', 'kmsg'), 20);
  assert.deepEqual(published.map((e) => [e.type, e.count]), [['FS_UNAVAILABLE', 1], ['FS_UNAVAILABLE', 1], ['FS_AVAILABLE', 1]], 'availability is never held');
  correlator.offer(item('FS_UNAVAILABLE', 'kmsg'), 30);
  assert.equal(published.at(-1)!.type, 'FS_UNAVAILABLE', 'a new outage is news at once');
  assert.equal(published.at(-1)!.data.incident, undefined);
});

test('events that are not faults pass straight through', () => {
  const { correlator, published } = setup({ ...CONFIG, holdMs: 500 });
  for (const type of ['MOUNT', 'REMOUNT', 'THR_LRBELOW', 'QUOTA_BLOCKS_SOFT'] as const) correlator.offer(item(type, 'x'), 0);
  correlator.offer(item('MOUNT', 'x'), 1);
  assert.equal(published.length, 5);
  assert.equal(correlator.nextDue, undefined);
});

test('node-wide loss reports fold per source and add up what was lost', () => {
  const { correlator, published } = setup();
  const lost = (source: string, n: number): Gathered => {
    const { event } = item('EVENTS_LOST', source, { lost: n });
    const { major: _major, minor: _minor, mountId: _id, mountpoint: _mp, ...nodeWide } = event;
    return { event: nodeWide, mountIds: [] };
  };
  correlator.offer(lost('kmsg', 5), 0);
  correlator.offer(lost('kmsg', 7), 1);
  correlator.offer(lost('kmsg', 1), 2);
  correlator.offer(lost('fanotify', 3), 3);
  correlator.drain();
  assert.deepEqual(published.map((e) => [e.sources.join(), e.data.lost]), [['kmsg', 5], ['fanotify', 3], ['kmsg', 8]]);
});

test('drain publishes what is held or folded, so stopping loses nothing', () => {
  const { correlator, published } = setup({ ...CONFIG, holdMs: 10_000 });
  correlator.offer(item('FS_SHUTDOWN', 'kmsg'), 0);
  correlator.offer(item('FS_SHUTDOWN', 'kmsg'), 1);
  correlator.drain();
  assert.deepEqual(published.map((e) => e.count), [2]);
  assert.equal(correlator.nextDue, undefined);
});

test('open faults are bounded: the oldest is closed (and published) to make room', () => {
  const { correlator, published } = setup();
  for (let minor = 0; minor < 4100; minor++) {
    correlator.offer(item('FS_ERROR', 'kmsg', {}, minor), 0);
    correlator.offer(item('FS_ERROR', 'kmsg', {}, minor), 0);
  }
  const followUps = published.filter((e) => e.data.incident !== undefined);
  assert.equal(followUps.length, 4100 - 4096);
});
