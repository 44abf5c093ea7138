/**
 * The adaptive schedule: idle far from levels, faster as a level nears or the fill speeds up,
 * never at the fastest rate for a filesystem parked at a level; rates and time to full.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { distances, nextInterval, timeToFull, updateRates } from '../../../../src/collector/sources/statfs/scheduler.ts';

const GiB = 2 ** 30;
const limits = { minIntervalMs: 25, maxIntervalMs: 30_000 };

test('far from every level: the idle interval', () => {
  assert.equal(nextInterval([{ avail: 500 * GiB, levels: [100 * GiB, 50 * GiB], rate: 0, maxRate: 2 * GiB }], limits), 30_000);
  assert.equal(nextInterval([], limits), 30_000);
});

test('the interval shrinks with the distance to the next level, down to the minimum', () => {
  const at = (gib: number) => nextInterval([{ avail: (100 + gib) * GiB, levels: [100 * GiB], rate: 0, maxRate: 2 * GiB }], limits);
  assert.equal(at(20), 10_000);
  assert.equal(at(2), 1000);
  assert.equal(at(0.001), 25);
});

test('a fast observed fill counts double against the assumed maximum', () => {
  const slow = nextInterval([{ avail: 110 * GiB, levels: [100 * GiB], rate: -1 * GiB, maxRate: 2 * GiB }], limits);
  const fast = nextInterval([{ avail: 110 * GiB, levels: [100 * GiB], rate: -4 * GiB, maxRate: 2 * GiB }], limits);
  assert.equal(slow, 5000);
  assert.equal(fast, 1250);
});

test('a full filesystem or one parked on a level is not sampled at the fastest rate', () => {
  assert.deepEqual(distances({ avail: 0, levels: [0, 0] }), { down: Infinity, up: 1 });
  assert.equal(nextInterval([{ avail: 0, levels: [0], rate: 0, maxRate: 2 * GiB }], limits), 1000);
  assert.equal(nextInterval([{ avail: 100 * GiB, levels: [100 * GiB], rate: 0, maxRate: 2 * GiB }], limits), 1000);
});

test('rates are per second, smoothed; time to full only while filling', () => {
  const first = updateRates(undefined, 1000, 900, 1000);
  assert.deepEqual(first, { fast: -100, slow: -100 });
  assert.equal(timeToFull(900, first), 9);
  const calmer = updateRates(first, 900, 900, 1000);
  assert.ok(calmer.fast > calmer.slow && calmer.slow > -100, JSON.stringify(calmer));
  assert.equal(timeToFull(900, { fast: 5, slow: 5 }), undefined);
  assert.equal(timeToFull(900, undefined), undefined);
});
