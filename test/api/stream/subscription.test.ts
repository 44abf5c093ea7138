/**
 * The replay-then-live seam, overflow and retention of one subscription, driven step by step:
 * a scripted journal whose reads resolve only when the test says so, with live batches published
 * in between, so every interleaving that matters is exercised deterministically. (The journal is
 * replaced by an array here because the point is the order of reads and publications; the real
 * journal and pipeline are exercised by test/api/stream/websocket.test.ts.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FsEvent } from '../../../src/collector/types.ts';
import { compileFilter, type FilterSpec } from '../../../src/api/stream/filter.ts';
import { Subscription, type History, type QueueItem } from '../../../src/api/stream/subscription.ts';

function event(seq: number, type: FsEvent['type'] = 'FS_ERROR'): FsEvent {
  return { seq, time: new Date(0).toISOString(), node: 'n', type, code: 9, class: 'error', severity: 'error', transient: false, sources: ['api'], count: 1, data: {} };
}

/** A journal whose reads wait for release(). */
class ScriptedJournal {
  stored: FsEvent[] = [];
  firstSeq = 1;
  reads: Array<{ since: number; release: () => void }> = [];
  append(...seqs: number[]): FsEvent[] {
    const added = seqs.map((s) => event(s));
    this.stored.push(...added);
    return added;
  }
  history(): History {
    return {
      journalRange: () => ({ firstSeq: this.stored.length ? this.firstSeq : 0, lastSeq: this.stored.at(-1)?.seq ?? 0 }),
      events: async (since, limit, filter) => {
        await new Promise<void>((release) => this.reads.push({ since, release }));
        // Like the real journal, the answer reflects what is there when the read completes.
        return this.stored.filter((e) => e.seq > since && e.seq >= this.firstSeq && (!filter || filter(e))).slice(0, limit);
      },
    };
  }
}

function harness(buffer = 1000, filter: FilterSpec = {}) {
  const journal = new ScriptedJournal();
  const history = journal.history();
  const received: QueueItem[] = [];
  let dropped = 0;
  const owner = {
    wake: () => received.push(...subscription.take()),
    room: async () => undefined,
    failed: (_s: unknown, err: unknown) => assert.fail(String(err)),
    dropped: () => void dropped++,
  };
  const subscription = new Subscription({ id: 'a', filter: compileFilter(filter), buffer, format: 'fsevd' }, owner);
  const publish = (...seqs: number[]) => offer(journal.append(...seqs));
  const offer = (events: FsEvent[]) => {
    if (subscription.offer(events)) owner.wake();
  };
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  const seqs = () => received.filter((i): i is FsEvent => 'seq' in i).map((e) => e.seq);
  return { journal, history, subscription, received, publish, offer, settle, seqs, dropped: () => dropped };
}

test('events published while the replay reads are delivered once, after the replayed ones', async () => {
  const h = harness();
  h.journal.append(1, 2, 3);
  assert.equal(h.subscription.start(h.history, 1), 1);
  h.publish(4, 5); // during the first read: journaled, and held aside
  h.journal.reads.shift()!.release();
  await h.settle();
  h.publish(6);
  await h.settle();
  assert.deepEqual(h.seqs(), [2, 3, 4, 5, 6]);
  assert.deepEqual(h.received.find((i) => 'notice' in i), { notice: 'live', cursor: 5 });
});

test('a live buffer that overflows during the replay is dropped and the replay reads further', async () => {
  const h = harness(3);
  h.journal.append(1);
  h.subscription.start(h.history, 0);
  h.publish(2, 3, 4, 5, 6); // more than the buffer: held-aside events are dropped
  h.journal.reads.shift()!.release();
  await h.settle();
  assert.equal(h.journal.reads.length, 1, 'a dropped live buffer makes the replay read again');
  h.publish(7);
  h.journal.reads.shift()!.release();
  await h.settle();
  h.publish(8);
  assert.deepEqual(h.seqs(), [1, 2, 3, 4, 5, 6, 7, 8]);
});

test('a live subscriber whose queue is full gets a lost notice with the exact range, then the rest', () => {
  const h = harness(2);
  const taken: QueueItem[] = [];
  h.subscription.start(h.history, undefined);
  for (let seq = 1; seq <= 6; seq++) assert.equal(h.subscription.offer([event(seq)]), true);
  taken.push(...h.subscription.take());
  h.subscription.offer([event(7)]);
  taken.push(...h.subscription.take());
  assert.deepEqual(
    taken.map((i) => ('notice' in i ? i : i.seq)),
    [1, 2, { notice: 'lost', count: 4, fromSeq: 3, toSeq: 6, reason: 'overflow' }, 7],
  );
  assert.equal(h.dropped(), 4, 'each dropped event is counted for /metrics');
});

test('events below the journal retention floor are reported as lost once, then replay continues', async () => {
  const h = harness();
  h.journal.append(1, 2, 3, 4, 5);
  h.journal.firstSeq = 4;
  h.subscription.start(h.history, 1);
  h.journal.reads.shift()!.release();
  await h.settle();
  assert.deepEqual(h.received[0], { notice: 'lost', count: 2, fromSeq: 2, toSeq: 3, reason: 'retention' });
  assert.deepEqual(h.seqs(), [4, 5]);
});

test('a cursor beyond the journal (journal reset) replays it from the start', async () => {
  const h = harness();
  h.journal.append(1, 2);
  assert.equal(h.subscription.start(h.history, 500), 0);
  h.journal.reads.shift()!.release();
  await h.settle();
  assert.deepEqual(h.seqs(), [1, 2]);
});

test('the filter applies to replayed and live events alike', async () => {
  const h = harness(10, { types: ['MOUNT'] });
  h.journal.stored = [event(1, 'MOUNT'), event(2, 'UMOUNT')];
  h.subscription.start(h.history, 0);
  h.journal.reads.shift()!.release();
  await h.settle();
  h.offer([event(3, 'UMOUNT'), event(4, 'MOUNT')]);
  assert.deepEqual(h.seqs(), [1, 4]);
});
