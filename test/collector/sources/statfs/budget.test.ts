/**
 * The sampling budget: idle filesystems share what active ones leave, wait at least the idle
 * floor, and are admitted at the idle share's rate on a grid of a tenth of the floor (1–5 s) — a
 * thousand of them due at once spread out instead of coming due together again.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SamplingBudget } from '../../../../src/collector/sources/statfs/budget.ts';

const fs = (active: boolean, desiredIntervalMs: number) => ({ monitor: { active, desiredIntervalMs } });

test('the idle floor shares what active filesystems leave, only under pressure', () => {
  const idle = Array.from({ length: 1000 }, () => fs(false, 28));
  assert.equal(new SamplingBudget(20).floor(0, idle), 50_000, '1,000 idle filesystems share 20 samples/s');
  assert.equal(new SamplingBudget(20).floor(0, [...idle, fs(true, 100)]), 100_000, 'an active one at 10/s leaves 10/s');
  assert.equal(new SamplingBudget(20).floor(0, [...idle, fs(true, 25)]), 1_000_000, 'never less than 1/s for the idle ones');
  assert.equal(new SamplingBudget(20).floor(0, [fs(false, 30_000), fs(false, 10_000)]), 0, 'no pressure: no floor');
});

test('the floor is recomputed at most once a second', () => {
  const budget = new SamplingBudget(20);
  assert.equal(budget.floor(0, [fs(false, 28), fs(false, 28)]), 100);
  assert.equal(budget.floor(999, []), 100, 'kept');
  assert.equal(budget.floor(1000, []), 0, 'recomputed');
});

test('idle admissions: the idle share per grid step, no burst after a quiet spell', () => {
  const budget = new SamplingBudget(20);
  budget.floor(0, Array.from({ length: 1000 }, () => fs(false, 28)));
  assert.equal(budget.gridMs, 5000, 'a tenth of the 50 s floor');
  const admitted = (now: number, tries: number) => Array.from({ length: tries }, () => budget.admit(now)).filter(Boolean).length;
  assert.equal(admitted(100, 500), 100, '20/s for 5 s');
  assert.equal(admitted(4900, 5), 0, 'same grid step');
  assert.equal(budget.nextAdmission(4900), 5000);
  assert.equal(admitted(5000, 500), 100);
  assert.equal(admitted(600_000, 5000), 100, 'ten minutes without samples earn no bigger batch');
});

test('the grid is at least a second and at most five', () => {
  const small = new SamplingBudget(20);
  small.floor(0, Array.from({ length: 100 }, () => fs(false, 28)));
  assert.equal(small.gridMs, 1000, 'floor 5 s');
  const huge = new SamplingBudget(20);
  huge.floor(0, Array.from({ length: 10_000 }, () => fs(false, 28)));
  assert.equal(huge.gridMs, 5000, 'floor 500 s');
  const admitted = Array.from({ length: 30 }, () => small.admit(0)).filter(Boolean).length;
  assert.equal(admitted, 20);
});
