/**
 * isoTime against Date#toISOString: the calendar edges (epoch, leap days, century and 400-year
 * rules, the end of year 9999) and random times across the whole supported range, plus the
 * inputs it hands to Date (fractions, negatives, NaN, beyond 9999).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isoTime } from '../../src/util/iso-time.ts';

test('calendar edges format exactly as Date does', () => {
  const edges = ['1970-01-01T00:00:00.000Z', '1972-02-29T23:59:59.999Z', '1999-12-31T23:59:59.999Z', '2000-02-29T12:00:00.000Z', '2100-02-28T23:59:59.999Z', '2100-03-01T00:00:00.000Z', '2400-02-29T00:00:00.001Z', '9999-12-31T23:59:59.999Z'];
  for (const iso of edges) assert.equal(isoTime(Date.parse(iso)), iso);
});

test('random integer times from 1970 to 9999 match Date', () => {
  for (let i = 0; i < 200_000; i++) {
    const ms = Math.floor(Math.random() * 253_402_300_800_000);
    assert.equal(isoTime(ms), new Date(ms).toISOString(), `at ${ms}`);
  }
});

test('what it does not format itself goes to Date, errors included', () => {
  for (const ms of [-1, -86_400_001, 1.5, 253_402_300_800_000, 8.64e15]) assert.equal(isoTime(ms), new Date(ms).toISOString(), `at ${ms}`);
  assert.throws(() => isoTime(Number.NaN), RangeError);
});
