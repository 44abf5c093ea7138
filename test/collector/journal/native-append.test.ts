/**
 * The addon's appendRecord, which journals single-event batches (the first event of a fault,
 * before anyone sees it): its records must be byte for byte what record.ts encodes, a journal
 * written through it must be the same file as one written in JS, and its failures (payload too
 * large, bad fd, disk full mid-record) must leave the journal as the JS path leaves it.
 */
import assert from 'node:assert/strict';
import { closeSync, openSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Journal } from '../../../src/collector/journal/index.ts';
import { encodeRecord, MAX_PAYLOAD_BYTES, scanRecords } from '../../../src/collector/journal/record.ts';
import type { FsEvent } from '../../../src/collector/types.ts';
import { loadNative } from '../../../src/native/binding.ts';
import { FsevdError } from '../../../src/errors.ts';
import { needRoot, run, tempDir as systemTempDir } from '../../helpers/system.ts';
import { makeEvent, tempDir } from './helpers.ts';

const loaded = loadNative();
const appendRecord = loaded.ok ? loaded.native.appendRecord : undefined;
const needAddon = (t: TestContext) => {
  if (!appendRecord) t.skip(`needs the native addon (npm install builds it): ${loaded.ok ? 'this build has no appendRecord' : loaded.reason}`);
  return appendRecord !== undefined;
};
const isJournalError = (err: unknown) => err instanceof FsevdError && err.code === 'FSEVD_E_JOURNAL';

/** Events whose JSON holds what a payload can: non-ASCII, a surrogate pair, an undecodable byte carried as a lone surrogate, control characters. */
const awkward: FsEvent[] = [
  makeEvent(1),
  makeEvent(2, { mountpoint: '/mnt/café — 東京' }),
  makeEvent(3, { mountpoint: '/mnt/\u{1F4BE} disk' }),
  makeEvent(4, { mountpoint: '/mnt/raw\udcff\udcfe' }),
  makeEvent(5, { mountpoint: '/mnt/a\nb\tc"d\\e\u0000f\u2028' }),
  makeEvent(6, { data: { blob: 'y'.repeat(5000) } }),
];

test('appendRecord writes exactly the record encodeRecord makes', (t) => {
  if (!needAddon(t)) return;
  return (async () => {
    const path = join(await tempDir(t), 'records');
    const fd = openSync(path, 'a');
    t.after(() => closeSync(fd));
    for (const event of awkward) {
      const expected = encodeRecord(event);
      assert.equal(appendRecord!(fd, JSON.stringify(event), MAX_PAYLOAD_BYTES), expected.length, `size of seq ${event.seq}`);
    }
    assert.deepEqual(readFileSync(path), Buffer.concat(awkward.map(encodeRecord)));
    assert.deepEqual(scanRecords(readFileSync(path), 1).events, awkward);
  })();
});

test('a journal written through the addon is the same file as one written in JS', async (t) => {
  if (!needAddon(t)) return;
  const files: Buffer[] = [];
  for (const appendWith of [undefined, null]) {
    const dir = await tempDir(t);
    const journal = await Journal.open({ dir, segmentBytes: 4096, fsync: 'never', appendRecord: appendWith });
    for (const event of awkward) journal.append([event]);
    journal.append([makeEvent(7), makeEvent(8)]);
    assert.deepEqual(await journal.read(0, Infinity), [...awkward, makeEvent(7), makeEvent(8)]);
    const sizeBytes = journal.sizeBytes;
    await journal.close();
    const names = (await readdir(dir)).sort();
    const contents = await Promise.all(names.map((name) => readFile(join(dir, name))));
    assert.equal(sizeBytes, contents.reduce((sum, b) => sum + b.length, 0), 'sizeBytes counts what is on disk');
    files.push(Buffer.concat(contents.flatMap((b, i) => [Buffer.from(`${names[i]}\n`), b])));
  }
  assert.deepEqual(files[0], files[1]);
});

test('an event over the record limit is refused alike with and without the addon, and the journal carries on', async (t) => {
  const huge = makeEvent(2, { data: { blob: 'x'.repeat(MAX_PAYLOAD_BYTES) } });
  const messages: string[] = [];
  for (const appendWith of appendRecord ? [undefined, null] : [null]) {
    const journal = await Journal.open({ dir: await tempDir(t), fsync: 'never', appendRecord: appendWith });
    t.after(() => journal.close());
    journal.append([makeEvent(1)]);
    const before = journal.sizeBytes;
    assert.throws(() => journal.append([huge]), (err) => isJournalError(err) && void messages.push((err as Error).message) === undefined);
    assert.equal(journal.lastSeq, 1);
    assert.equal(journal.sizeBytes, before);
    journal.append([makeEvent(2)]);
    assert.deepEqual((await journal.read(0, 10)).map((e) => e.seq), [1, 2]);
  }
  assert.equal(new Set(messages).size, 1, `one message for both: ${messages.join(' | ')}`);
  assert.match(messages[0]!, /seq 2 encodes to \d+ bytes, over the 1048576-byte record limit/);
});

test('appendRecord refuses bad arguments and reports a failed write with what reached the file', (t) => {
  if (!needAddon(t)) return;
  assert.throws(() => appendRecord!('3' as never, '{}', 10), TypeError);
  assert.throws(() => appendRecord!(-1, '{}', 10), TypeError);
  assert.throws(() => appendRecord!(1, {} as never, 10), TypeError);
  assert.throws(() => appendRecord!(1, '{}', undefined as never), TypeError);
  // Empty or over the limit: nothing written, the payload size returned negated.
  assert.equal(appendRecord!(1, '', 10), -0);
  assert.equal(appendRecord!(1, 'é'.repeat(6), 10), -12);
  const fd = openSync('/dev/null', 'r');
  closeSync(fd);
  assert.throws(() => appendRecord!(fd, '{}', 10), (err: Error & { code?: string; written?: number; syscall?: string }) => err.code === 'EBADF' && err.written === 0 && err.syscall === 'write');
  const full = openSync('/dev/full', 'w');
  t.after(() => closeSync(full));
  assert.throws(() => appendRecord!(full, '{"a":1}', 10), (err: Error & { code?: string; written?: number }) => err.code === 'ENOSPC' && err.written === 0);
});

test('a disk that fills mid-record leaves no torn record, with and without the addon', async (t) => {
  if (!needRoot(t)) return;
  for (const appendWith of appendRecord ? [undefined, null] : [null]) {
    const dir = join(await systemTempDir(t, 'fsevd-journal-full-'), 'fs');
    await mkdir(dir);
    // A tmpfs of four pages: the fifth 3 KiB record runs out of space part-way through.
    await run('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'fsevd-test', dir]);
    const journal = await Journal.open({ dir: join(dir, 'journal'), fsync: 'never', appendRecord: appendWith });
    let seq = 0;
    let failure: unknown;
    try {
      for (;;) journal.append([makeEvent(++seq, { data: { blob: 'z'.repeat(3000) } })]);
    } catch (err) {
      failure = err;
    }
    assert.ok(isJournalError(failure), `expected FSEVD_E_JOURNAL, got ${String(failure)}`);
    const cause = (failure as Error & { cause?: Error & { written?: number } }).cause;
    assert.match(String(cause?.message), /ENOSPC/);
    assert.ok((cause?.written ?? 0) > 0, `the failed record was partly written (${cause?.written} bytes), so cutting back is what is tested`);
    assert.equal(journal.lastSeq, seq - 1);
    const segment = join(dir, 'journal', (await readdir(join(dir, 'journal'))).find((n) => n.endsWith('.log'))!);
    assert.equal(statSync(segment).size, journal.sizeBytes, 'the partial record was cut back');
    assert.deepEqual(scanRecords(readFileSync(segment), 1).fault, null);
    assert.equal((await journal.read(0, Infinity)).length, seq - 1);
    await journal.close();
  }
});
