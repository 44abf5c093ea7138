/**
 * How the pipeline publishes within a turn of the event loop (real journal in a temp dir, real
 * gatherer and mount table): the first event is journaled and published before accept() returns,
 * the rest of the turn follows as one batch at its end, deferred listeners and log lines come
 * after every subscriber, a listener that feeds the pipeline again cannot break the order, and
 * every published event is already in the journal when a subscriber sees it.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { pino } from 'pino';
import { Gatherer } from '../../../src/collector/gatherer.ts';
import { Journal } from '../../../src/collector/journal/index.ts';
import { MountTable } from '../../../src/collector/mounts/table.ts';
import { Pipeline } from '../../../src/collector/pipeline/index.ts';
import type { Observation } from '../../../src/collector/types.ts';
import { mountEntry } from '../../helpers/fake-context.ts';
import { tempDir } from '../../helpers/system.ts';

async function setup(t: TestContext, logLines: string[] = []) {
  const table = new MountTable();
  table.replace([mountEntry(40, '7:0', '/mnt/a'), mountEntry(41, '7:1', '/mnt/b')]);
  const journal = await Journal.open({ dir: join(await tempDir(t), 'journal'), fsync: 'never' });
  const log = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });
  const pipeline = new Pipeline({
    node: 'n1', journal, gatherer: new Gatherer(table), mounts: table, log, logEvents: true, now: Date.now,
    correlation: { windowMs: 0, holdMs: 0, maxSpanMs: 10_000 },
  });
  t.after(async () => {
    pipeline.close();
    await journal.close();
  });
  const error = (minor: number): Observation => ({ source: 'fanotify', type: 'FS_ERROR', time: Date.now(), mount: { devno: { major: 7, minor } }, data: { errno: 5 } });
  return { pipeline, journal, error };
}

const endOfTurn = () => new Promise((resolve) => setImmediate(resolve));

test('the first event of a turn is published before accept returns; the rest of the turn is one batch at its end', async (t) => {
  const { pipeline, error } = await setup(t);
  const batches: number[][] = [];
  pipeline.subscribe((batch) => batches.push(batch.map((e) => e.seq)));
  pipeline.accept(error(0));
  assert.deepEqual(batches, [[1]], 'published synchronously');
  pipeline.accept(error(1));
  pipeline.accept(error(0));
  assert.deepEqual(batches, [[1]], 'the rest of the turn waits');
  await endOfTurn();
  assert.deepEqual(batches, [[1], [2, 3]]);
  pipeline.accept(error(1));
  assert.deepEqual(batches, [[1], [2, 3], [4]], 'a new turn publishes at once again');
});

test('a subscriber sees only what the journal already holds', async (t) => {
  const { pipeline, journal, error } = await setup(t);
  const missing: number[] = [];
  pipeline.subscribe((batch) => {
    for (const event of batch) if (journal.lastSeq < event.seq) missing.push(event.seq);
  });
  for (let i = 0; i < 5; i++) pipeline.accept(error(i % 2));
  await endOfTurn();
  pipeline.accept(error(0));
  assert.deepEqual(missing, []);
  assert.deepEqual((await journal.read(0, 10)).map((e) => e.seq), [1, 2, 3, 4, 5, 6]);
});

test('deferred listeners and log lines come at the end of the turn, after every subscriber, in order', async (t) => {
  const lines: string[] = [];
  const { pipeline, error } = await setup(t, lines);
  const order: string[] = [];
  pipeline.subscribe((batch) => order.push(`deferred ${batch.map((e) => e.seq).join(',')}`), { deferred: true });
  pipeline.subscribe((batch) => order.push(`subscriber ${batch.map((e) => e.seq).join(',')}`));
  pipeline.accept(error(0));
  pipeline.accept(error(1));
  assert.deepEqual(order, ['subscriber 1']);
  assert.equal(lines.length, 0, 'no log line before the end of the turn');
  await endOfTurn();
  assert.deepEqual(order, ['subscriber 1', 'subscriber 2', 'deferred 1', 'deferred 2']);
  assert.deepEqual(lines.map((line) => (JSON.parse(line) as { seq: number }).seq), [1, 2]);
});

test('a listener that feeds the pipeline again cannot reorder or lose events', async (t) => {
  const { pipeline, journal, error } = await setup(t);
  const seen: number[] = [];
  let fed = false;
  pipeline.subscribe((batch) => {
    seen.push(...batch.map((e) => e.seq));
    if (!fed) {
      fed = true;
      pipeline.accept(error(1)); // e.g. an action whose outcome becomes an event
    }
  });
  pipeline.accept(error(0));
  pipeline.accept(error(0));
  await endOfTurn();
  assert.deepEqual(seen, [1, 2, 3]);
  assert.deepEqual((await journal.read(0, 10)).map((e) => e.seq), [1, 2, 3]);
});

test('close publishes what the turn still held and logs it', async (t) => {
  const lines: string[] = [];
  const { pipeline, error } = await setup(t, lines);
  const seen: number[] = [];
  pipeline.subscribe((batch) => seen.push(...batch.map((e) => e.seq)));
  pipeline.accept(error(0));
  pipeline.accept(error(1));
  pipeline.close();
  assert.deepEqual(seen, [1, 2]);
  assert.equal(lines.length, 2);
  pipeline.accept(error(0));
  await endOfTurn();
  assert.deepEqual(seen, [1, 2], 'nothing after close');
});

test('a rehearsal publishes, journals, sequences and changes nothing, and the fault that follows is as if it never ran', async (t) => {
  const { pipeline, journal, error } = await setup(t);
  const published: number[] = [];
  pipeline.subscribe((batch) => published.push(...batch.map((e) => e.seq)), { deferred: false });
  pipeline.subscribe((batch) => published.push(...batch.map((e) => -e.seq)), { deferred: true });
  const before = { size: journal.sizeBytes, states: JSON.stringify(pipeline.mountStates()) };
  pipeline.rehearse(error(0));
  pipeline.rehearse({ ...error(0), mount: { devno: { major: 250, minor: 250 } } });
  await endOfTurn();
  assert.deepEqual(published, []);
  assert.equal(pipeline.lastSeq, 0);
  assert.equal(journal.sizeBytes, before.size);
  assert.equal(JSON.stringify(pipeline.mountStates()), before.states, 'no mount state moved');
  // Correlation too: with a window, a rehearsed fault must not fold the real one into a follow-up.
  pipeline.setCorrelation({ windowMs: 60_000, holdMs: 0, maxSpanMs: 60_000 });
  pipeline.rehearse(error(1));
  pipeline.accept(error(1));
  assert.deepEqual(published, [1]);
  assert.deepEqual((await journal.read(0, 10)).map((e) => [e.seq, e.count, e.mountpoint]), [[1, 1, '/mnt/b']]);
});
