/**
 * DaemonMetrics over a fake daemon facade: events counted by type/class/source from the stream,
 * sources and journal read at scrape time, the extension points for subscribers and hooks, label
 * caps against unbounded input, two daemons that do not see each other, and a full scrape with
 * hostile mount paths that the real promtool accepts without a single lint finding.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { DaemonMetrics } from '../../../src/api/metrics/index.ts';
import { MAX_LABEL_SETS } from '../../../src/api/metrics/capped-children.ts';
import { decodeBytes } from '../../../src/util/bytes.ts';
import { needProgram, promtool } from '../../dashboards/promtool.ts';
import { eventOn, fakeInputs, mountState, samplesOf } from './fixtures.ts';

function setup() {
  const fake = fakeInputs();
  const metrics = new DaemonMetrics({ registry: new Registry(), inputs: fake.inputs });
  return { ...fake, metrics };
}

test('events are counted by type, class and each reporting source, with their coalesced count', async (t) => {
  const { metrics, publish } = setup();
  t.after(() => metrics.close());
  const mount = mountState({ mountId: 1, mountpoint: '/data' });
  publish([eventOn(mount, 'IO_ERROR', { sources: ['kmsg', 'fanotify'], count: 3 }), eventOn(mount, 'MOUNT')]);
  publish([eventOn(mount, 'IO_ERROR', { sources: ['kmsg'] })]);
  const events = samplesOf(await metrics.render(), 'fsevd_events_total');
  assert.equal(events.get('{type="IO_ERROR",class="error",source="kmsg"}'), 4);
  assert.equal(events.get('{type="IO_ERROR",class="error",source="fanotify"}'), 3);
  assert.equal(events.get('{type="MOUNT",class="info",source="mountinfo"}'), 1);
});

test('a malformed count is counted as one event instead of breaking the counter', async (t) => {
  const { metrics, publish } = setup();
  t.after(() => metrics.close());
  const mount = mountState({ mountId: 1, mountpoint: '/data' });
  publish([eventOn(mount, 'FS_ERROR', { count: -5 }), eventOn(mount, 'FS_ERROR', { count: Number.NaN })]);
  assert.equal(samplesOf(await metrics.render(), 'fsevd_events_total').get('{type="FS_ERROR",class="error",source="mountinfo"}'), 2);
});

test('past the label cap, new sources share source="other" and the series stay bounded', async (t) => {
  const { metrics, publish } = setup();
  t.after(() => metrics.close());
  const mount = mountState({ mountId: 1, mountpoint: '/data' });
  publish(Array.from({ length: MAX_LABEL_SETS + 50 }, (_, i) => eventOn(mount, 'FS_ERROR', { sources: [`injected-${i}`] })));
  const events = samplesOf(await metrics.render(), 'fsevd_events_total');
  assert.equal(events.size, MAX_LABEL_SETS + 1);
  assert.equal(events.get('{type="FS_ERROR",class="error",source="other"}'), 50);
});

test('sources, journal, mounts and build info are read at scrape time', async (t) => {
  const { metrics, state } = setup();
  t.after(() => metrics.close());
  state.sources = [
    { name: 'mountinfo', state: 'up', emitted: 7, lost: 0 },
    { name: 'kmsg', state: 'down', reason: 'no privilege', emitted: 0, lost: 12 },
  ];
  state.journalBytes = 4096;
  state.mounts = [mountState({ mountId: 1, mountpoint: '/a' }), mountState({ mountId: 2, mountpoint: '/b' })];
  let text = await metrics.render();
  assert.deepEqual([...samplesOf(text, 'fsevd_source_up')], [['{source="mountinfo"}', 1], ['{source="kmsg"}', 0]]);
  assert.equal(samplesOf(text, 'fsevd_source_events_lost_total').get('{source="kmsg"}'), 12);
  assert.equal(samplesOf(text, 'fsevd_source_observations_total').get('{source="mountinfo"}'), 7);
  assert.equal(samplesOf(text, 'fsevd_journal_size_bytes').get(''), 4096);
  assert.equal(samplesOf(text, 'fsevd_mounts').get(''), 2);
  assert.equal(samplesOf(text, 'fsevd_build_info').get('{version="9.9.9",node="n1"}'), 1);
  state.sources[1] = { ...state.sources[1]!, state: 'up', lost: 13 };
  state.mounts.pop();
  text = await metrics.render();
  assert.equal(samplesOf(text, 'fsevd_source_up').get('{source="kmsg"}'), 1);
  assert.equal(samplesOf(text, 'fsevd_source_events_lost_total').get('{source="kmsg"}'), 13);
  assert.equal(samplesOf(text, 'fsevd_mounts').get(''), 1);
  assert.doesNotMatch(text, /mountpoint="\/b"/);
});

test('transports register subscriber figures, read at each scrape, and can unregister', async (t) => {
  const { metrics } = setup();
  t.after(() => metrics.close());
  let subscribers = 3;
  const unregister = metrics.addSubscriberSource('websocket', () => ({ subscribers, droppedEvents: 17 }));
  metrics.addSubscriberSource('sse', () => ({ subscribers: 1, droppedEvents: 0 }));
  let text = await metrics.render();
  assert.equal(samplesOf(text, 'fsevd_subscribers').get('{transport="websocket"}'), 3);
  assert.equal(samplesOf(text, 'fsevd_subscriber_dropped_events_total').get('{transport="websocket"}'), 17);
  subscribers = 0;
  assert.equal(samplesOf(await metrics.render(), 'fsevd_subscribers').get('{transport="websocket"}'), 0);
  unregister();
  text = await metrics.render();
  assert.equal(samplesOf(text, 'fsevd_subscribers').has('{transport="websocket"}'), false);
  assert.equal(samplesOf(text, 'fsevd_subscribers').get('{transport="sse"}'), 1);
});

test('hook runs are counted by rule, action and outcome, with durations', async (t) => {
  const { metrics } = setup();
  t.after(() => metrics.close());
  metrics.hookRunFinished({ rule: 'drain', action: 'slurm', outcome: 'success', durationSeconds: 0.3 });
  metrics.hookRunFinished({ rule: 'drain', action: 'slurm', outcome: 'timeout', durationSeconds: 30 });
  metrics.hookRunFinished({ rule: 'drain', action: 'slurm', outcome: 'dropped', durationSeconds: 0 });
  metrics.hookRunFinished({ rule: 'page', action: 'webhook', outcome: 'failure', durationSeconds: Number.NaN });
  const text = await metrics.render();
  const runs = samplesOf(text, 'fsevd_hook_runs_total');
  assert.equal(runs.get('{rule="drain",action="slurm",outcome="success"}'), 1);
  assert.equal(runs.get('{rule="drain",action="slurm",outcome="dropped"}'), 1);
  assert.equal(runs.get('{rule="page",action="webhook",outcome="failure"}'), 1);
  assert.equal(samplesOf(text, 'fsevd_hook_run_duration_seconds_count').get('{rule="drain",action="slurm"}'), 2, 'dropped runs have no duration');
  assert.equal(samplesOf(text, 'fsevd_hook_run_duration_seconds_sum').get('{rule="drain",action="slurm"}'), 30.3);
  assert.equal(samplesOf(text, 'fsevd_hook_run_duration_seconds_count').has('{rule="page",action="webhook"}'), false, 'a NaN duration is not observed');
});

test('two daemons in one process do not see each other, and close() stops counting', async () => {
  const a = setup();
  const b = setup();
  const mount = mountState({ mountId: 1, mountpoint: '/data' });
  a.publish([eventOn(mount, 'MOUNT')]);
  assert.equal(samplesOf(await b.metrics.render(), 'fsevd_events_total').size, 0);
  a.metrics.close();
  a.metrics.close();
  a.publish([eventOn(mount, 'MOUNT')]);
  assert.equal(samplesOf(await a.metrics.render(), 'fsevd_events_total').get('{type="MOUNT",class="info",source="mountinfo"}'), 1);
  b.metrics.close();
});

test('a full scrape with hostile mount paths passes promtool check metrics with no finding', async (t) => {
  if (!needProgram(t, 'promtool', 'prometheus')) return;
  const { metrics, state, publish } = setup();
  t.after(() => metrics.close());
  const paths = ['/mnt/a b', '/mnt/new\nline', '/mnt/"q"', '/mnt/back\\slash', decodeBytes(Buffer.from([0x2f, 0x6d, 0xff, 0xfe]))];
  state.mounts = paths.map((mountpoint, i) =>
    mountState({
      mountId: i + 1,
      mountpoint,
      device: `dev "${i}"\\`,
      space: { time: '', sizeBytes: 1e12, availBytes: 5e11, freeBytes: 6e11, inodes: 1e6, inodesFree: 9e5, timeToFullSeconds: 7200 },
      thresholds: { origin: 'default', blocks: { l1: '10%', l2: '5%', l1Value: 1e11, l2Value: 5e10, position: 'armed' }, inodes: { l1: '10%', l2: '5%', l1Value: 1e5, l2Value: 5e4, position: 'below-l1' } },
      counters: { IO_ERROR: 1 },
      lastEventTime: '2026-11-23T01:00:00.000Z',
    }),
  );
  state.sources = [{ name: 'mountinfo', state: 'up', emitted: 1, lost: 0 }];
  metrics.addSubscriberSource('websocket', () => ({ subscribers: 2, droppedEvents: 0 }));
  metrics.hookRunFinished({ rule: 'r', action: 'exec', outcome: 'success', durationSeconds: 1 });
  const text = await metrics.render();
  const checked = await promtool(['check', 'metrics'], text);
  assert.equal(checked.code, 0, `promtool check metrics: ${checked.stdout}${checked.stderr}`);
  assert.match(text, /mountpoint="\/m\\\\xff\\\\xfe"/);
  assert.match(text, /mountpoint="\/mnt\/new\\nline"/);
});
