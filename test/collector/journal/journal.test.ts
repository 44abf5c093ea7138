import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { CACHE_EVENTS, Journal, type JournalOptions } from '../../../src/collector/journal/index.ts';
import { encodeRecord } from '../../../src/collector/journal/record.ts';
import { FsevdError } from '../../../src/errors.ts';
import { makeEvent, makeEvents, range, seqs, tempDir } from './helpers.ts';

const isJournalError = (err: unknown) => err instanceof FsevdError && err.code === 'FSEVD_E_JOURNAL';

async function openJournal(t: import('node:test').TestContext, options: Partial<JournalOptions> & { dir: string }) {
  const journal = await Journal.open({ segmentBytes: 2048, maxBytes: 1 << 30, fsync: 'never', ...options });
  t.after(() => journal.close());
  return journal;
}

test('an empty journal starts at zero and creates its directory', async (t) => {
  const dir = join(await tempDir(t), 'state', 'journal');
  const journal = await openJournal(t, { dir });
  assert.equal((await stat(dir)).mode & 0o777, 0o750 & ~process.umask());
  assert.equal(journal.lastSeq, 0);
  assert.equal(journal.firstSeq, 0);
  assert.equal(journal.sizeBytes, 0);
  assert.equal(journal.recoveredDrops, 0);
  assert.deepEqual(await journal.read(0, 10), []);
  // The first segment is made at open, not on the path of the first event.
  assert.deepEqual(await readdir(dir), ['00000000000000000001.log']);
  assert.equal((await stat(join(dir, '00000000000000000001.log'))).size, 0);
});

test('append and read round-trip across segments, in memory and after reopening', async (t) => {
  const dir = await tempDir(t);
  const journal = await Journal.open({ dir, segmentBytes: 2048, maxBytes: 1 << 30, fsync: 'always' });
  const events = makeEvents(1, 200);
  for (let i = 0; i < events.length; i += 7) journal.append(events.slice(i, i + 7));
  assert.equal(journal.lastSeq, 200);
  assert.equal(journal.firstSeq, 1);
  assert.deepEqual(await journal.read(0, Infinity), events);

  const files = (await readdir(dir)).sort();
  assert.ok(files.length > 5, `expected several segments, got ${files.length}`);
  assert.equal(files[0], '00000000000000000001.log');
  let total = 0;
  for (const file of files) {
    const size = (await stat(join(dir, file))).size;
    total += size;
    const base = Number(file.slice(0, 20));
    // A batch is never split, and a segment is only exceeded by its first batch.
    assert.ok(size <= 2048, `${file} has ${size} bytes`);
    assert.equal((base - 1) % 7, 0, `${file} starts at a batch boundary`);
  }
  assert.equal(journal.sizeBytes, total);
  await journal.close();
  await journal.close();
  assert.throws(() => journal.append([makeEvent(201)]), isJournalError);

  // After reopening only the last segment is cached: the rest comes from disk.
  const reopened = await openJournal(t, { dir });
  assert.equal(reopened.lastSeq, 200);
  assert.equal(reopened.sizeBytes, total);
  assert.deepEqual(await reopened.read(0, Infinity), events);
  reopened.append([makeEvent(201)]);
  assert.deepEqual(seqs(await reopened.read(195, 100)), range(196, 201));
});

test('since, limit and filter select in order', async (t) => {
  const dir = await tempDir(t);
  const journal = await openJournal(t, { dir });
  journal.append(makeEvents(1, 50));
  journal.append(makeEvents(51, 120));
  await journal.close();
  const reopened = await openJournal(t, { dir });
  for (const j of [journal, reopened]) {
    assert.deepEqual(seqs(await j.read(0, 5)), [1, 2, 3, 4, 5]);
    assert.deepEqual(seqs(await j.read(47, 6)), [48, 49, 50, 51, 52, 53]);
    assert.deepEqual(seqs(await j.read(118, 10)), [119, 120]);
    assert.deepEqual(await j.read(120, 10), []);
    assert.deepEqual(await j.read(500, 10), []);
    assert.deepEqual(await j.read(0, 0), []);
    const onVol1 = (e: { mountpoint?: string }) => e.mountpoint === '/mnt/vol1';
    assert.deepEqual(seqs(await j.read(0, 4, onVol1)), [1, 4, 7, 10]);
    assert.deepEqual(seqs(await j.read(100, Infinity, onVol1)), [103, 106, 109, 112, 115, 118]);
  }
});

test('reads stitch disk and cache together beyond the cache size', async (t) => {
  const dir = await tempDir(t);
  const journal = await openJournal(t, { dir, segmentBytes: 64 * 1024 });
  const total = CACHE_EVENTS + 2500;
  for (let seq = 1; seq <= total; seq += 100) journal.append(makeEvents(seq, Math.min(seq + 99, total)));
  const all = await journal.read(0, Infinity);
  assert.deepEqual(seqs(all), range(1, total));
  assert.deepEqual(seqs(await journal.read(2400, 300)), range(2401, 2700));
  const odd = await journal.read(0, Infinity, (e) => e.seq % 2 === 1);
  assert.equal(odd.length, total / 2);
});

test('retention deletes the oldest whole segments and firstSeq follows', async (t) => {
  const dir = await tempDir(t);
  const recordBytes = encodeRecord(makeEvent(1)).length;
  const journal = await openJournal(t, { dir, segmentBytes: 1024, maxBytes: 4096 });
  for (let seq = 1; seq <= 300; seq += 5) journal.append(makeEvents(seq, seq + 4));
  assert.equal(journal.lastSeq, 300);
  assert.ok(journal.sizeBytes <= 4096, `size ${journal.sizeBytes}`);
  assert.ok(journal.sizeBytes > 4096 - 1024 - 5 * recordBytes, 'keeps as much as fits');
  const files = (await readdir(dir)).sort();
  const first = Number(files[0]!.slice(0, 20));
  assert.equal(journal.firstSeq, first);
  assert.ok(first > 1);
  assert.deepEqual(seqs(await journal.read(0, Infinity)), range(first, 300));
  await journal.close();

  const reopened = await openJournal(t, { dir, segmentBytes: 1024, maxBytes: 4096 });
  assert.equal(reopened.firstSeq, first);
  assert.deepEqual(seqs(await reopened.read(0, Infinity)), range(first, 300));
});

test('retention never deletes the current segment, even when it alone is over the limit', async (t) => {
  const journal = await openJournal(t, { dir: await tempDir(t), segmentBytes: 512, maxBytes: 600 });
  journal.append(makeEvents(1, 3));
  journal.append(makeEvents(4, 40));
  assert.equal(journal.firstSeq, 4);
  assert.ok(journal.sizeBytes > 600);
  assert.deepEqual(seqs(await journal.read(0, Infinity)), range(4, 40));
});

test('append refuses seqs that do not strictly increase past lastSeq, writing nothing', async (t) => {
  const journal = await openJournal(t, { dir: await tempDir(t) });
  journal.append(makeEvents(1, 3));
  const size = journal.sizeBytes;
  for (const bad of [[3], [2], [4, 4], [5, 4], [4, 6, 5], [4.5], [Number.NaN]]) {
    const events = bad.map((seq) => makeEvent(1, { seq }));
    assert.throws(() => journal.append(events), isJournalError, `seqs ${bad.join(',')}`);
  }
  assert.equal(journal.lastSeq, 3);
  assert.equal(journal.sizeBytes, size);
  journal.append([]);
  journal.append([makeEvent(4), makeEvent(9)]);
  assert.deepEqual(seqs(await journal.read(0, 10)), [1, 2, 3, 4, 9]);
});

test('every fsync policy writes the same data; close clears the interval timer', async (t) => {
  for (const fsync of ['always', 'interval', 'never'] as const) {
    const dir = await tempDir(t);
    const journal = await Journal.open({ dir, fsync, fsyncIntervalMs: 5, segmentBytes: 1024, maxBytes: 1 << 20 });
    for (let seq = 1; seq <= 60; seq += 3) journal.append(makeEvents(seq, seq + 2));
    await new Promise((resolve) => setTimeout(resolve, 20));
    journal.append([makeEvent(61)]);
    await journal.close();
    const reopened = await Journal.open({ dir, fsync });
    assert.deepEqual(seqs(await reopened.read(0, Infinity)), range(1, 61), fsync);
    await reopened.close();
  }
});

test('invalid options are refused', async (t) => {
  const dir = await tempDir(t);
  await assert.rejects(Journal.open({ dir, segmentBytes: 0 }), isJournalError);
  await assert.rejects(Journal.open({ dir, fsync: 'sometimes' as 'never' }), isJournalError);
  await assert.rejects(Journal.open({ dir: '' }), isJournalError);
});
