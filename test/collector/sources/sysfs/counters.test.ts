import assert from 'node:assert/strict';
import { test } from 'node:test';
import { increases, parseCounter, parseNamedCounters } from '../../../../src/collector/sources/sysfs/counters.ts';

test('only counters present in both readings that rose are increases; a fall is not', () => {
  assert.deepEqual(increases({ a: 1, b: 5, c: 2 }, { a: 3, b: 4, c: 2, d: 9 }), [{ counter: 'a', delta: 2, total: 3 }]);
});

test('parseCounter takes one unsigned decimal and nothing else', () => {
  assert.equal(parseCounter('3\n'), 3);
  assert.equal(parseCounter('0'), 0);
  for (const bad of ['', '-1\n', '1.5', 'trigger_test_error\n', '12 13', '9'.repeat(20)]) assert.equal(parseCounter(bad), undefined, JSON.stringify(bad));
});

test('parseNamedCounters reads btrfs error_stats and ignores "invalid" and junk', () => {
  const text = 'write_errs 0\nread_errs 2\nflush_errs 0\ncorruption_errs 4\ngeneration_errs 0\n';
  assert.deepEqual(parseNamedCounters(text), { write_errs: 0, read_errs: 2, flush_errs: 0, corruption_errs: 4, generation_errs: 0 });
  assert.deepEqual(parseNamedCounters('invalid\n'), {});
  assert.deepEqual(parseNamedCounters('read_errs -1\nX 1\nok_errs 7 8\nlast_errs 3'), { last_errs: 3 });
});
