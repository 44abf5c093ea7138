/**
 * The prober's rules over a scripted pool (the real one is exercised by
 * test/kernel/fuse-server-stopped-is-unavailable.test.ts): one call per filesystem, none while a
 * call is out, a deadline reported once with the thread abandoned, late answers delivered, calls
 * handed over in one batch per flush.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Prober } from '../../../../src/collector/sources/statfs/prober.ts';
import type { StatfsPool } from '../../../../src/native/binding.ts';
import { decodeBytes, encodeBytes } from '../../../../src/util/bytes.ts';

function scripted() {
  const submitted: Array<[number, Buffer]> = [];
  const batches: number[] = [];
  const abandoned: number[] = [];
  let deliver: (id: number, errno: number, values: number[] | undefined) => void = () => undefined;
  let queued = new Set<number>();
  const pool: StatfsPool = {
    submit: (id, path) => (submitted.push([id, path]), true),
    submitBatch: (ids, paths) => (batches.push(ids.length), ids.forEach((id, i) => submitted.push([id, paths[i]!])), true),
    abandon: (id) => (queued.has(id) ? false : (abandoned.push(id), true)),
    stats: () => ({ threads: 1, busy: 0, queued: 0, abandoned: abandoned.length, abandonedTotal: abandoned.length }),
    close: () => undefined,
  };
  const events: string[] = [];
  const prober = new Prober((onResult) => ((deliver = onResult), pool), {
    answer: (key, errno, _values, late) => events.push(`answer ${key} ${errno}${late ? ' late' : ''}`),
    timeout: (key) => events.push(`timeout ${key}`),
  });
  return { prober, submitted, batches, abandoned, events, deliver: (id: number, errno = 0) => deliver(id, errno, errno ? undefined : [0]), setQueued: (ids: number[]) => (queued = new Set(ids)) };
}

test('one call per filesystem; a timed-out call blocks new ones until it returns, then answers late', () => {
  const { prober, submitted, abandoned, events, deliver } = scripted();
  assert.equal(prober.submit('a', Buffer.from('/a'), 100, 0), true);
  assert.equal(prober.submit('a', Buffer.from('/a'), 100, 10), false, 'still out');
  assert.equal(prober.submit('b', Buffer.from('/b'), 100, 10), true);
  prober.flush();
  assert.equal(prober.sweep(50), 100);
  deliver(2);
  assert.equal(prober.sweep(150), Infinity);
  assert.deepEqual(abandoned, [1]);
  assert.equal(prober.sweep(500), Infinity, 'reported once');
  assert.equal(prober.submit('a', Buffer.from('/a'), 100, 600), false, 'no new call to a hung filesystem');
  assert.equal(prober.stats().hung, 1);
  deliver(1, 107);
  assert.equal(prober.submit('a', Buffer.from('/a'), 100, 700), true);
  prober.flush();
  assert.deepEqual(events, ['answer b 0', 'timeout a', 'answer a 107 late']);
  assert.deepEqual(submitted.map(([, path]) => path.toString()), ['/a', '/b', '/a']);
});

test('a call still queued behind others is given more time, not reported', () => {
  const { prober, events, setQueued } = scripted();
  prober.submit('a', Buffer.from('/a'), 100, 0);
  prober.flush();
  setQueued([1]);
  assert.equal(prober.sweep(100), 200);
  setQueued([]);
  prober.sweep(200);
  assert.deepEqual(events, ['timeout a']);
});

test('a mount path with undecodable bytes reaches the pool as its original bytes', () => {
  const { prober, submitted } = scripted();
  const raw = Buffer.from([0x2f, 0x6d, 0x6e, 0x74, 0x2f, 0xff, 0xfe, 0x78]); // "/mnt/\xff\xfex"
  // The source encodes the mountinfo path (lone surrogates for undecodable bytes) once per path.
  assert.equal(prober.submit('odd', encodeBytes(decodeBytes(raw)), 100, 0), true);
  prober.flush();
  assert.deepEqual(submitted[0]![1], raw);
});

test('calls reach the pool at flush, all in one batch; nothing after close', () => {
  const { prober, submitted, batches } = scripted();
  for (const key of ['a', 'b', 'c']) prober.submit(key, Buffer.from(`/${key}`), 100, 0);
  assert.equal(submitted.length, 0, 'held until flush');
  prober.flush();
  prober.flush();
  assert.deepEqual(batches, [3], 'one batch, and an empty flush sends nothing');
  assert.deepEqual(submitted.map(([, path]) => path.toString()), ['/a', '/b', '/c']);
  prober.close();
  assert.equal(prober.submit('d', Buffer.from('/d'), 100, 0), false);
});
