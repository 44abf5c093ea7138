/**
 * The cached per-mount text: what each state gives, that only changed mounts are rebuilt, that a
 * mount that went away loses its series, that stacked duplicates give one series, and, over
 * random changes to 300 mounts, that the cached text always equals a text built from scratch.
 * Threshold and statfs figures arrive as fresh objects at every sample, as the statfs source gives them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mountFamilies } from '../../../src/api/metrics/mount-families.ts';
import { MountExposition } from '../../../src/api/metrics/mount-text.ts';
import type { MountState } from '../../../src/collector/types.ts';
import { mountState, samplesOf } from './fixtures.ts';

const textOf = (chunks: readonly Buffer[]) => Buffer.concat(chunks).toString();
const copy = (mounts: MountState[]) => mounts.map((m) => ({ ...m, counters: { ...m.counters } }));
const levels = (position: 'armed' | 'below-l1' | 'below-l2') => ({ l1: '10%', l2: '5%', l1Value: 100, l2Value: 50, position });
const space = { time: '2026-11-23T01:00:00.000Z', sizeBytes: 1000, availBytes: 400, freeBytes: 500, inodes: 64, inodesFree: 60 };

test('a mount without statfs figures has health, error counters and no space series', () => {
  const text = textOf(new MountExposition().render([mountState({ mountId: 1, mountpoint: '/data', readOnly: true })]));
  const labels = '{device="/dev/loop1",fstype="ext4",mountpoint="/data"}';
  assert.equal(samplesOf(text, 'fsevd_filesystem_readonly').get(labels), 1);
  assert.equal(samplesOf(text, 'fsevd_filesystem_available').get(labels), 1);
  assert.equal(samplesOf(text, 'fsevd_filesystem_errors_total').get(labels), 0);
  assert.equal(samplesOf(text, 'fsevd_filesystem_corrected_errors_total').get(labels), 0);
  assert.equal(samplesOf(text, 'fsevd_filesystem_avail_bytes').size, 0);
  assert.equal(samplesOf(text, 'fsevd_filesystem_last_event_timestamp_seconds').size, 0);
  assert.match(text, /^# TYPE fsevd_filesystem_avail_bytes gauge$/m, 'the family is declared even while empty');
});

test('statfs figures, counters, time to full and thresholds give their series', () => {
  const mount = mountState({
    mountId: 2,
    mountpoint: '/scratch',
    space: { ...space, timeToFullSeconds: 3600 },
    thresholds: { origin: 'default', blocks: levels('below-l1'), inodes: { ...levels('below-l2'), l1Value: 6, l2Value: 3 } },
    counters: { IO_ERROR: 2, FS_ERROR: 1, CORRECTED_CHECKSUM_ERROR: 5, FS_UNAVAILABLE: 1, MOUNT: 1 },
    lastEventTime: '2026-11-23T01:02:03.500Z',
    available: false,
  });
  const text = textOf(new MountExposition().render([mount]));
  const labels = '{device="/dev/loop2",fstype="ext4",mountpoint="/scratch"}';
  const at = (family: string, extra = '') => samplesOf(text, family).get(extra ? `${labels.slice(0, -1)},${extra}}` : labels);
  assert.equal(at('fsevd_filesystem_size_bytes'), 1000);
  assert.equal(at('fsevd_filesystem_avail_bytes'), 400);
  assert.equal(at('fsevd_filesystem_free_bytes'), 500);
  assert.equal(at('fsevd_filesystem_files'), 64);
  assert.equal(at('fsevd_filesystem_files_free'), 60);
  assert.equal(at('fsevd_filesystem_time_to_full_seconds'), 3600);
  assert.equal(at('fsevd_filesystem_available'), 0);
  // FS_UNAVAILABLE is transient and has its own gauge; it is not a filesystem error.
  assert.equal(at('fsevd_filesystem_errors_total'), 3);
  assert.equal(at('fsevd_filesystem_corrected_errors_total'), 5);
  assert.equal(at('fsevd_filesystem_events_total', 'class="error",type="IO_ERROR"'), 2);
  assert.equal(at('fsevd_filesystem_events_total', 'class="info",type="MOUNT"'), 1);
  assert.equal(at('fsevd_filesystem_avail_thresholds_crossed'), 1);
  assert.equal(at('fsevd_filesystem_files_free_thresholds_crossed'), 2);
  assert.equal(at('fsevd_filesystem_last_event_timestamp_seconds'), 1795395723.5);
});

test('an unchanged scrape rebuilds nothing; a change rebuilds that mount and only the families it touched', () => {
  const mounts = [mountState({ mountId: 1, mountpoint: '/a' }), mountState({ mountId: 2, mountpoint: '/b' }), mountState({ mountId: 3, mountpoint: '/c' })];
  const exposition = new MountExposition();
  const first = exposition.render(copy(mounts));
  assert.equal(exposition.stats.rebuiltMounts, 3);
  const again = exposition.render(copy(mounts));
  assert.ok(again.every((chunk, i) => chunk === first[i]), 'the very same buffers');
  assert.deepEqual(exposition.stats, { mounts: 3, rebuiltMounts: 0, removedMounts: 0, rebuiltFamilies: 0 });

  mounts[1] = { ...mounts[1]!, readOnly: true };
  const second = textOf(exposition.render(copy(mounts)));
  assert.deepEqual(exposition.stats, { mounts: 3, rebuiltMounts: 1, removedMounts: 0, rebuiltFamilies: 1 });
  assert.equal(samplesOf(second, 'fsevd_filesystem_readonly').get('{device="/dev/loop2",fstype="ext4",mountpoint="/b"}'), 1);

  mounts[2] = { ...mounts[2]!, space: { ...space }, thresholds: { origin: 'default', blocks: levels('armed') } };
  exposition.render(copy(mounts));
  assert.equal(exposition.stats.rebuiltMounts, 1);
  assert.equal(exposition.stats.rebuiltFamilies, 6, 'size, avail, free, files, files_free, avail_thresholds_crossed');

  // A new sample with the same figures (fresh objects) changes nothing; a new position does.
  mounts[2] = { ...mounts[2]!, space: { ...space, time: 'later' }, thresholds: { origin: 'default', blocks: levels('armed') } };
  exposition.render(copy(mounts));
  assert.equal(exposition.stats.rebuiltMounts, 0);
  // The same sample object changed in place is a change too.
  mounts[2].space!.availBytes = 399;
  exposition.render(copy(mounts));
  assert.equal(exposition.stats.rebuiltMounts, 1);
  mounts[2] = { ...mounts[2]!, thresholds: { origin: 'default', blocks: levels('below-l2') } };
  const third = textOf(exposition.render(copy(mounts)));
  assert.deepEqual(exposition.stats, { mounts: 3, rebuiltMounts: 1, removedMounts: 0, rebuiltFamilies: 1 });
  assert.equal(samplesOf(third, 'fsevd_filesystem_avail_thresholds_crossed').get('{device="/dev/loop3",fstype="ext4",mountpoint="/c"}'), 2);
});

test('a mount that went away loses every series; a reused mount id gets its new labels', () => {
  const exposition = new MountExposition();
  exposition.render([mountState({ mountId: 1, mountpoint: '/gone', counters: { IO_ERROR: 1 } }), mountState({ mountId: 2, mountpoint: '/stays' })]);
  const text = textOf(exposition.render([mountState({ mountId: 2, mountpoint: '/stays' }), mountState({ mountId: 1, mountpoint: '/new', device: 'tmpfs', fstype: 'tmpfs' })]));
  assert.equal(exposition.stats.removedMounts, 1);
  assert.doesNotMatch(text, /\/gone/);
  assert.match(text, /fsevd_filesystem_available\{device="\/dev\/loop2",fstype="ext4",mountpoint="\/stays"\} 1/);
  assert.match(text, /fsevd_filesystem_available\{device="tmpfs",fstype="tmpfs",mountpoint="\/new"\} 1/);
  assert.equal(samplesOf(text, 'fsevd_filesystem_events_total').size, 0);
});

test('stacked mounts with the same labels give one series, the topmost', () => {
  const under = mountState({ mountId: 5, mountpoint: '/m', device: 'tmpfs', fstype: 'tmpfs', readOnly: false });
  const over = mountState({ mountId: 9, mountpoint: '/m', device: 'tmpfs', fstype: 'tmpfs', readOnly: true });
  const text = textOf(new MountExposition().render([under, over]));
  assert.deepEqual([...samplesOf(text, 'fsevd_filesystem_readonly')], [['{device="tmpfs",fstype="tmpfs",mountpoint="/m"}', 1]]);
});

test('over random changes the cached text always holds the same series as one built from scratch', () => {
  let rng = 12345;
  const random = (n: number) => {
    rng = (rng * 1103515245 + 12345) % 2 ** 31;
    return rng % n;
  };
  let mounts = Array.from({ length: 300 }, (_, i) => mountState({ mountId: i + 1, mountpoint: `/m/${i}` }));
  let nextId = 301;
  const cached = new MountExposition();
  for (let round = 0; round < 40; round++) {
    for (let k = 0; k < 20; k++) {
      const i = random(mounts.length);
      const m = mounts[i]!;
      switch (random(7)) {
        case 0: mounts[i] = { ...m, readOnly: !m.readOnly }; break;
        case 1: mounts[i] = { ...m, available: !m.available }; break;
        case 2: mounts[i] = { ...m, space: { ...space, availBytes: random(1000), timeToFullSeconds: random(2) ? random(9999) : undefined } }; break;
        case 3: mounts[i] = { ...m, counters: { ...m.counters, IO_ERROR: (m.counters.IO_ERROR ?? 0) + 1 }, lastEventTime: new Date(1.8e12 + round * 1000 + k).toISOString() }; break;
        case 4: mounts[i] = { ...m, thresholds: { origin: 'default', blocks: levels((['armed', 'below-l1', 'below-l2'] as const)[random(3)]!) } }; break;
        case 5: mounts.splice(i, 1); break;
        default: mounts.push(mountState({ mountId: nextId, mountpoint: `/m/new${nextId++}` }));
      }
    }
    mounts = [...mounts];
    // Series order within a family follows when each mount was first seen, so compare as sets of lines.
    const lines = (chunks: readonly Buffer[]) => textOf(chunks).split('\n').sort();
    assert.deepEqual(lines(cached.render(copy(mounts))), lines(new MountExposition().render(copy(mounts))), `round ${round}`);
  }
});

test('help texts are printable ASCII, so the cached text stays one byte per character', () => {
  for (const family of mountFamilies) assert.match(family.help, /^[\x20-\x7e]+$/, family.name);
});
