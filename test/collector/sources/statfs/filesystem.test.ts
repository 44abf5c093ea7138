/**
 * One filesystem's bookkeeping from statfs figures (as the native pool returns them): the space
 * record, threshold crossings on blocks and inodes, WARN_ENOSPC once per exhaustion, levels handed
 * to the kernel left alone, and availability from failures.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FilesystemMonitor, type ThresholdSpec } from '../../../../src/collector/sources/statfs/filesystem.ts';
import { parseDefaults } from '../../../../src/collector/thresholds/syntax.ts';

const damping = { windowMs: 60_000, maxTransitions: 4, settleMs: 1000 };
const settings = { class: 'local' as const, enabled: true, maxIntervalMs: 30_000, minIntervalMs: 25, timeoutMs: 1000 };
const BLOCK = 4096;

/** [f_type, f_bsize, f_frsize, f_blocks, f_bfree, f_bavail, f_files, f_ffree, f_flags, mount id]. */
const figures = (bavail: number, ffree = 500, flags = 0) => [0xef53, BLOCK, BLOCK, 1000, bavail + 50, bavail, 1000, ffree, flags, 7];

function monitor(levels: string, extra: Partial<ThresholdSpec> = {}): FilesystemMonitor {
  const m = new FilesystemMonitor(7, 1, settings, 0);
  m.thresholds = { origin: 'entry', entry: '/m', ...parseDefaults(levels), generation: 1, kernel: false, ...extra };
  return m;
}

const types = (m: FilesystemMonitor, series: number[][]) => series.flatMap((values, i) => m.answered(values, (i + 1) * 1000, damping, 2 ** 31).map((o) => o.type));

test('block levels in % of the size fire once per crossing, with the proposal\'s data', () => {
  const m = monitor('T 50% 20%');
  const out = [figures(900), figures(400)].flatMap((v, i) => m.answered(v, (i + 1) * 1000, damping, 2 ** 31));
  assert.equal(out.length, 1);
  assert.equal(out[0]!.type, 'THR_LRBELOW');
  assert.deepEqual(out[0]!.mount, { devno: { major: 7, minor: 1 } });
  assert.equal(out[0]!.data.availBlocks, 400);
  assert.equal(out[0]!.data.level, 500 * BLOCK);
  assert.deepEqual(m.record().thresholds?.blocks, { l1: '50%', l2: '20%', l1Value: 500 * BLOCK, l2Value: 200 * BLOCK, position: 'below-l1' });
  assert.equal(m.record().space?.availBytes, 400 * BLOCK);
  assert.equal(m.record().space?.timeToFullSeconds, 1, '400 blocks left at 500 blocks per second: 0.8 s');
});

test('inode levels are evaluated on f_ffree', () => {
  assert.deepEqual(types(monitor('I 40% 10%'), [figures(900, 500), figures(900, 300), figures(900, 50), figures(900, 700)]), ['THR_LRBELOW', 'THR_URBELOW', 'THR_LRABOVE']);
});

test('WARN_ENOSPC once when available space reaches 0, again only after it came back', () => {
  assert.deepEqual(types(new FilesystemMonitor(7, 1, settings, 0), [figures(10), figures(0), figures(0), figures(5), figures(0)]), ['WARN_ENOSPC', 'WARN_ENOSPC']);
  // A read-only mount (squashfs, ro ext4) at 0 is not running out of anything.
  assert.deepEqual(types(new FilesystemMonitor(7, 1, settings, 0), [figures(10, 500, 1), figures(0, 500, 1)]), []);
});

test('levels the kernel evaluates are shown but not evaluated; new levels re-arm', () => {
  const kernel = monitor('T 50% 20%', { kernel: true });
  assert.deepEqual(types(kernel, [figures(900), figures(100)]), []);
  const m = monitor('T 50% 20%');
  assert.deepEqual(types(m, [figures(900), figures(400)]), ['THR_LRBELOW']);
  m.thresholds = { ...m.thresholds!, generation: 2 };
  assert.deepEqual(m.answered(figures(399), 5000, damping, 2 ** 31).map((o) => o.type), ['THR_LRBELOW'], 're-armed: fires on the next allocation');
});

test('failures change availability once and reschedule at the idle interval', () => {
  const m = new FilesystemMonitor(7, 1, settings, 0);
  m.started(0);
  const down = m.failed({ ok: false, kind: 'transient', reason: 'probe timeout' }, 1000, damping, true);
  assert.deepEqual(down.map((o) => [o.type, o.data.transient, o.data.probe]), [['FS_UNAVAILABLE', true, 'statfs']]);
  assert.equal(m.record().probe?.timeouts, 1);
  assert.equal(m.record().probe?.pendingSince, new Date(0).toISOString(), 'the hung call is still out');
  assert.equal(m.dueAt, 31_000);
  assert.deepEqual(m.answered(figures(900), 2000, damping, 2 ** 31).map((o) => o.type), ['FS_AVAILABLE']);
  m.unprobeable('EACCES', 3000);
  assert.equal(m.record().probe?.lastError, 'EACCES');
});

test('an answer equal to the last one (the idle path) leaves exactly what a full evaluation would', () => {
  const idle = monitor('T 50% 20% I 40%');
  const full = monitor('T 50% 20% I 40%');
  // A fresh levels object each time makes `full` re-evaluate everything (same generation: no re-arm).
  const fresh = () => (full.thresholds = { ...full.thresholds! });
  const series = [figures(900), figures(700), figures(700), figures(700), figures(700, 500, 0), figures(450), figures(450), figures(900), figures(900)];
  series.forEach((values, i) => {
    const now = (i + 1) * 7000;
    fresh();
    const a = idle.answered(values, now, damping, 2 ** 31).map((o) => [o.type, o.data.avail]);
    const b = full.answered(values, now, damping, 2 ** 31).map((o) => [o.type, o.data.avail]);
    assert.deepEqual(a, b, `events at step ${i}`);
    assert.deepEqual(idle.record(), full.record(), `record at step ${i}`);
    assert.deepEqual([idle.dueAt, idle.intervalMs, idle.active], [full.dueAt, full.intervalMs, full.active], `schedule at step ${i}`);
  });
  assert.equal(idle.record().space?.time, new Date(9 * 7000).toISOString(), 'the idle path still moves the clock');
  assert.ok(idle.record().space?.timeToFullSeconds! > 0, 'after a fill, time to full is still reported while idle');
});
