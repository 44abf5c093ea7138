/**
 * throttle(): the first request runs at once, a burst inside the interval becomes exactly one
 * more run after it (never zero: the last request is honoured), and cancel() drops that run.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { throttle } from '../../src/util/throttle.ts';
import { waitFor } from '../helpers/system.ts';

test('leading run at once, a burst folded into one trailing run', async () => {
  let runs = 0;
  const throttled = throttle(() => void (runs += 1), 50);
  throttled.call();
  assert.equal(runs, 1, 'the first request runs synchronously');
  for (let i = 0; i < 20; i++) throttled.call();
  assert.equal(runs, 1, 'requests inside the interval wait');
  await waitFor('the trailing run', () => (runs === 2 ? true : undefined));
  await new Promise((resolve) => setTimeout(resolve, 120));
  assert.equal(runs, 2, 'the whole burst made one trailing run');
});

test('cancel drops the pending trailing run', async () => {
  let runs = 0;
  const throttled = throttle(() => void (runs += 1), 30);
  throttled.call();
  throttled.call();
  throttled.cancel();
  await new Promise((resolve) => setTimeout(resolve, 90));
  assert.equal(runs, 1);
});
