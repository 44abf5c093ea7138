/**
 * The correlation stage inside the real pipeline (real journal in a temp dir, real gatherer and
 * mount table, real timers with short windows): reports of one fault from several sources are
 * journaled as the first event plus one follow-up, the mount's state says read-only whichever
 * signal said so, and closing the pipeline publishes what was still folded.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { pino } from 'pino';
import { Gatherer } from '../../../src/collector/gatherer.ts';
import { Journal } from '../../../src/collector/journal/index.ts';
import { MountTable } from '../../../src/collector/mounts/table.ts';
import { Pipeline } from '../../../src/collector/pipeline/index.ts';
import type { FsEvent, Observation } from '../../../src/collector/types.ts';
import { mountEntry } from '../../helpers/fake-context.ts';
import { tempDir, waitFor } from '../../helpers/system.ts';

async function setup(t: TestContext, holdMs = 0) {
  const table = new MountTable();
  table.replace([
    mountEntry(40, '7:0', '/mnt/a', 'ext4', { kernelName: 'loop0', device: '/dev/loop0' }),
    mountEntry(41, '7:1', '/mnt/b', 'xfs', { kernelName: 'loop1', device: '/dev/loop1' }),
  ]);
  const journal = await Journal.open({ dir: join(await tempDir(t), 'journal'), fsync: 'never' });
  const pipeline = new Pipeline({
    node: 'n1', journal, gatherer: new Gatherer(table), mounts: table, log: pino({ level: 'silent' }), logEvents: false, now: Date.now,
    correlation: { windowMs: 100, holdMs, maxSpanMs: 10_000 },
  });
  const published: FsEvent[] = [];
  pipeline.subscribe((batch) => published.push(...batch));
  t.after(async () => {
    pipeline.close();
    await journal.close();
  });
  const accept = (obs: Omit<Observation, 'time'>) => pipeline.accept({ ...obs, time: Date.now() });
  return { pipeline, journal, published, accept };
}

test('one ext4 error from fanotify, the kernel log and sysfs: the event at once, then one follow-up naming all three', async (t) => {
  const { published, journal, accept, pipeline } = await setup(t);
  accept({ source: 'fanotify', type: 'FS_ERROR', mount: { devno: { major: 7, minor: 0 } }, data: { errno: 117, errorCount: 1 } });
  accept({ source: 'kmsg', type: 'FS_ERROR', mount: { deviceName: 'loop0' }, data: { errno: 117, errnoInferred: true, pattern: 'ext4.error' } });
  accept({ source: 'sysfs', type: 'FS_ERROR', mount: { devno: { major: 7, minor: 0 } }, data: { errorCount: 1 } });
  await waitFor('the first event', () => (published.length >= 1 ? true : undefined));
  assert.deepEqual(published[0]!.sources, ['fanotify']);
  await waitFor('the follow-up', () => (published.length >= 2 ? true : undefined), 5000);
  const [first, followUp] = published;
  assert.equal(followUp!.mountpoint, '/mnt/a');
  assert.deepEqual(followUp!.sources, ['fanotify', 'kmsg', 'sysfs']);
  assert.equal(followUp!.count, 2);
  assert.deepEqual(followUp!.data.incident, { seq: first!.seq, total: 3 });
  assert.deepEqual((await journal.read(0, 10)).map((e) => e.seq), [first!.seq, followUp!.seq], 'both are journaled, in order');
  assert.equal(pipeline.mountStateById(40)!.counters.FS_ERROR, 3, 'the counters count every report');
});

test('read-only by error shows in the mount state from the kernel log alone, and the mount table\'s report folds into it', async (t) => {
  const { published, accept, pipeline } = await setup(t);
  assert.equal(pipeline.mountStateById(40)!.readOnly, false);
  accept({ source: 'kmsg', type: 'ERR_REMOUNT_RO', mount: { deviceName: 'loop0' }, data: { pattern: 'ext4.remount-ro' } });
  await waitFor('ERR_REMOUNT_RO', () => (published.length >= 1 ? true : undefined));
  const state = pipeline.mountStateById(40)!;
  assert.equal(state.readOnly, true, 'although the mount table still says rw');
  assert.equal(state.readOnlyByError, true);
  accept({ source: 'mountinfo', type: 'ERR_REMOUNT_RO', mount: { devno: { major: 7, minor: 0 } }, data: { superOptions: ['rw', 'emergency_ro'] } });
  await waitFor('the follow-up', () => (published.length >= 2 ? true : undefined), 5000);
  assert.deepEqual(published.map((e) => [e.type, e.sources.join('+')]), [['ERR_REMOUNT_RO', 'kmsg'], ['ERR_REMOUNT_RO', 'kmsg+mountinfo']]);
});

test('XFS shutdown, seen only in the kernel log, makes the mount shut down and read-only', async (t) => {
  const { published, accept, pipeline } = await setup(t);
  accept({ source: 'kmsg', type: 'FS_SHUTDOWN', mount: { deviceName: 'loop1' }, data: { userInitiated: true } });
  await waitFor('FS_SHUTDOWN', () => (published.length >= 1 ? true : undefined));
  const state = pipeline.mountStateById(41)!;
  assert.equal(state.shutdown, true);
  assert.equal(state.readOnly, true);
  assert.equal(pipeline.mountStateById(40)!.readOnly, false, 'the other mount is untouched');
});

test('with holdMs the fault is one event; closing publishes what is still held', async (t) => {
  const { published, accept, pipeline } = await setup(t, 60_000);
  accept({ source: 'kmsg', type: 'FS_SHUTDOWN', mount: { deviceName: 'loop1' }, data: {} });
  accept({ source: 'kmsg', type: 'FS_SHUTDOWN', mount: { deviceName: 'loop1' }, data: { flags: 4 } });
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(published.length, 0, 'held');
  pipeline.close();
  assert.deepEqual(published.map((e) => [e.type, e.count]), [['FS_SHUTDOWN', 2]]);
});

test('mount and remount events are not held or folded', async (t) => {
  const { published, accept } = await setup(t, 60_000);
  for (let i = 0; i < 3; i++) accept({ source: 'mountinfo', type: 'REMOUNT', identity: { mountpoint: '/mnt/a', device: '/dev/loop0', fstype: 'ext4', major: 7, minor: 0, mountId: 40 }, data: {} });
  await waitFor('three REMOUNT', () => (published.length === 3 ? true : undefined));
});
