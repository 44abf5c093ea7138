import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LossTracker, lossObservation } from '../../../src/util/netlink/loss.ts';

test('drops counted by the kernel are reported once each, with the gap that showed them', () => {
  const t = new LossTracker('exact');
  assert.equal(t.observe(10), false, 'the first message is the base');
  assert.equal(t.observe(11), false);
  assert.deepEqual(t.settle(0), []);
  assert.equal(t.observe(15), true, '12–14 missing');
  assert.deepEqual(t.settle(3), [{ lost: 3, reason: 'overrun', firstMissingSeq: 12, lastMissingSeq: 14 }]);
  assert.deepEqual(t.settle(3), [], 'the counter did not move');
  assert.deepEqual(t.settle(5), [{ lost: 2, reason: 'overrun' }], 'drops seen before their gap');
  assert.equal(t.observe(18), true, '16–17: the two already counted');
  assert.deepEqual(t.settle(5), []);
});

test('a gap bigger than the drops is a sequence gap (messages that never reached the socket)', () => {
  const t = new LossTracker('exact');
  t.observe(1);
  t.observe(10);
  assert.deepEqual(t.settle(2), [
    { lost: 2, reason: 'overrun', firstMissingSeq: 2, lastMissingSeq: 9 },
    { lost: 6, reason: 'sequence-gap', firstMissingSeq: 2, lastMissingSeq: 9 },
  ]);
});

test('numbers wrap at 2^32; a step backwards is a restart, not a loss', () => {
  const t = new LossTracker('exact');
  t.observe(2 ** 32 - 2);
  assert.equal(t.observe(1), true);
  assert.deepEqual(t.settle(0), [{ lost: 2, reason: 'sequence-gap', firstMissingSeq: 2 ** 32 - 1, lastMissingSeq: 0 }]);
  assert.equal(t.observe(0), false);
  assert.equal(t.observe(1), false);
});

test('untrusted numbering (uevent SEQNUM) ignores gaps; a new socket restarts the drop counter', () => {
  const t = new LossTracker('none');
  t.observe(100);
  assert.equal(t.observe(150), false, 'other network namespaces take numbers too');
  assert.deepEqual(t.settle(4), [{ lost: 4, reason: 'overrun' }]);
  t.newSocket();
  assert.deepEqual(t.settle(1), [{ lost: 1, reason: 'overrun' }]);
});

test('the loss observation is node-wide EVENTS_LOST with the figures', () => {
  const obs = lossObservation({ lost: 3, reason: 'overrun', firstMissingSeq: 4, lastMissingSeq: 6 }, 1000);
  assert.deepEqual(obs, { type: 'EVENTS_LOST', time: 1000, data: { lost: 3, reason: 'netlink socket overrun (receive buffer full)', firstMissingSeq: 4, lastMissingSeq: 6 } });
});
