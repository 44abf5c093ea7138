import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RateLimiter } from '../../src/api/rate-limit.ts';

test('a burst is allowed, then the sustained rate, per address', () => {
  let now = 0;
  const limiter = new RateLimiter(() => ({ perSecond: 2, burst: 3 }), () => now);
  assert.deepEqual([1, 2, 3].map(() => limiter.take('a')), [0, 0, 0]);
  assert.equal(limiter.take('a'), 1, 'the fourth at once is refused with a retry delay');
  assert.equal(limiter.take('b'), 0, 'another address has its own bucket');
  now += 500; // one token back at 2/s
  assert.equal(limiter.take('a'), 0);
  assert.ok(limiter.take('a') > 0);
  now += 10_000;
  assert.deepEqual([1, 2, 3].map(() => limiter.take('a')), [0, 0, 0], 'refills up to the burst, no further');
  assert.ok(limiter.take('a') > 0);
});

test('settings are read on every call, so a reload applies at once', () => {
  let burst = 1;
  const limiter = new RateLimiter(() => ({ perSecond: 1, burst }), () => 0);
  assert.equal(limiter.take('a'), 0);
  assert.ok(limiter.take('a') > 0);
  burst = 5;
  assert.ok(limiter.take('a') > 0, 'an empty bucket stays empty until time passes');
  assert.equal(limiter.take('new'), 0);
});
