import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Journal } from '../../../src/collector/journal/index.ts';
import { decodeRecord, encodeBatch, encodeRecord, HEADER_BYTES } from '../../../src/collector/journal/record.ts';
import { segmentName } from '../../../src/collector/journal/segment.ts';
import { captureLog, makeEvent, makeEvents, range, seqs, tempDir } from './helpers.ts';

const LAST = 60;
const options = { segmentBytes: 2048, maxBytes: 1 << 30, fsync: 'never' } as const;

/** A closed journal holding 1..LAST in batches of 3 over several segments, and its last segment. */
async function fixture(t: TestContext) {
  const dir = await tempDir(t);
  const journal = await Journal.open({ dir, ...options });
  for (let seq = 1; seq <= LAST; seq += 3) journal.append(makeEvents(seq, seq + 2));
  await journal.close();
  const files = (await readdir(dir)).sort();
  assert.ok(files.length >= 3, 'fixture spans several segments');
  const path = join(dir, files.at(-1)!);
  const bytes = await readFile(path);
  const starts: number[] = [];
  for (let offset = 0; offset < bytes.length; ) {
    const result = decodeRecord(bytes, offset);
    assert.ok(result.ok);
    starts.push(offset);
    offset += result.size;
  }
  assert.ok(starts.length >= 4, 'the last segment holds several records');
  const firstInLast = LAST - starts.length + 1;
  return { dir, path, bytes, starts, firstInLast };
}

/** Reopens, checks the journal holds exactly 1..expected, continues it and checks again. */
async function checkRecovered(dir: string, expected: number, expectedDrops: number, label: string) {
  const { log, lines } = captureLog();
  const journal = await Journal.open({ dir, ...options, log });
  try {
    assert.equal(journal.lastSeq, expected, `${label}: lastSeq`);
    assert.equal(journal.recoveredDrops, expectedDrops, `${label}: recoveredDrops`);
    const warning = lines.find((l) => l.msg === 'Truncated torn or corrupt journal tail');
    assert.equal(Boolean(warning), expectedDrops > 0, `${label}: warning logged`);
    assert.deepEqual(seqs(await journal.read(0, Infinity)), range(1, expected), `${label}: read`);
    journal.append(makeEvents(expected + 1, expected + 5));
    assert.deepEqual(seqs(await journal.read(0, Infinity)), range(1, expected + 5), `${label}: after append`);
  } finally {
    await journal.close();
  }
  const again = await Journal.open({ dir, ...options });
  assert.equal(again.recoveredDrops, 0, `${label}: clean after recovery`);
  assert.deepEqual(seqs(await again.read(0, Infinity)), range(1, expected + 5), `${label}: after reopen`);
  await again.close();
  return lines;
}

test('a tail cut at any byte of the last batch loses only the incomplete record', async (t) => {
  const f = await fixture(t);
  for (let cut = f.starts.at(-3)!; cut < f.bytes.length; cut++) {
    await writeFile(f.path, f.bytes.subarray(0, cut));
    const complete = f.starts.filter((_, i) => (f.starts[i + 1] ?? f.bytes.length) <= cut).length;
    const kept = keep(f, complete);
    const { log } = captureLog();
    const journal = await Journal.open({ dir: f.dir, ...options, log });
    assert.equal(journal.lastSeq, kept.last, `cut at ${cut}`);
    assert.equal(journal.recoveredDrops, cut === kept.bytes ? 0 : 1, `cut at ${cut}`);
    assert.equal((await stat(f.path)).size, kept.bytes, `cut at ${cut}`);
    await journal.close();
  }
});

type Fixture = Awaited<ReturnType<typeof fixture>>;

/** What survives when the first `records` records of the last segment are kept. */
function keep(f: Fixture, records: number): { bytes: number; last: number } {
  return { bytes: f.starts[records] ?? f.bytes.length, last: f.firstInLast + records - 1 };
}

test('torn, corrupt and garbage tails are cut, and the sequence continues', async (t) => {
  const halfBatch = encodeBatch(makeEvents(LAST + 1, LAST + 3));
  const twoRecords = encodeBatch(makeEvents(LAST + 1, LAST + 2)).length;
  const cases: {
    name: string;
    corrupt: (b: Buffer, f: Fixture) => Buffer;
    kept: (f: Fixture) => { bytes: number; last: number };
    drops: (f: Fixture) => number;
  }[] = [
    { name: 'cut 1 byte into the last record', corrupt: (b, f) => b.subarray(0, f.starts.at(-1)! + 1), kept: (f) => keep(f, f.starts.length - 1), drops: () => 1 },
    { name: 'cut inside the last header', corrupt: (b, f) => b.subarray(0, f.starts.at(-1)! + 5), kept: (f) => keep(f, f.starts.length - 1), drops: () => 1 },
    { name: 'cut just after the last header', corrupt: (b, f) => b.subarray(0, f.starts.at(-1)! + HEADER_BYTES), kept: (f) => keep(f, f.starts.length - 1), drops: () => 1 },
    { name: 'cut inside the last payload', corrupt: (b, f) => b.subarray(0, f.starts.at(-1)! + HEADER_BYTES + 3), kept: (f) => keep(f, f.starts.length - 1), drops: () => 1 },
    { name: 'last byte missing', corrupt: (b) => b.subarray(0, b.length - 1), kept: (f) => keep(f, f.starts.length - 1), drops: () => 1 },
    { name: 'cut inside the second-last record', corrupt: (b, f) => b.subarray(0, f.starts.at(-2)! + 40), kept: (f) => keep(f, f.starts.length - 2), drops: () => 1 },
    { name: 'payload byte flipped in the last record', corrupt: (b) => flip(b, b.length - 3), kept: (f) => keep(f, f.starts.length - 1), drops: () => 1 },
    // Everything after a bad record is dropped: its length can no longer be trusted.
    { name: 'payload byte flipped mid-segment', corrupt: (b, f) => flip(b, f.starts[1]! + HEADER_BYTES + 20), kept: (f) => keep(f, 1), drops: (f) => f.starts.length - 1 },
    { name: 'CRC byte flipped', corrupt: (b, f) => flip(b, f.starts.at(-1)! + 7), kept: (f) => keep(f, f.starts.length - 1), drops: () => 1 },
    { name: 'magic byte flipped', corrupt: (b, f) => flip(b, f.starts.at(-1)!), kept: (f) => keep(f, f.starts.length - 1), drops: () => 1 },
    { name: 'length made huge', corrupt: (b, f) => poke(b, f.starts.at(-1)! + 2, 0xffffff00), kept: (f) => keep(f, f.starts.length - 1), drops: () => 1 },
    // A shorter length frames a bogus record (bad CRC) followed by unframeable bytes: two drops.
    { name: 'length made smaller', corrupt: (b, f) => poke(b, f.starts.at(-1)! + 2, 12), kept: (f) => keep(f, f.starts.length - 1), drops: () => 2 },
    { name: 'garbage appended', corrupt: (b) => Buffer.concat([b, Buffer.from('\x07garbage, not a record')]), kept: (f) => keep(f, f.starts.length), drops: () => 1 },
    { name: 'zeros appended', corrupt: (b) => Buffer.concat([b, Buffer.alloc(4096)]), kept: (f) => keep(f, f.starts.length), drops: () => 1 },
    { name: 'a seq repeated', corrupt: (b) => Buffer.concat([b, encodeRecord(makeEvent(LAST))]), kept: (f) => keep(f, f.starts.length), drops: () => 1 },
    {
      name: 'a batch cut short by the kill',
      corrupt: (b) => Buffer.concat([b, halfBatch.subarray(0, halfBatch.length - 50)]),
      kept: (f) => ({ bytes: f.bytes.length + twoRecords, last: LAST + 2 }),
      drops: () => 1,
    },
  ];
  for (const c of cases) {
    const f = await fixture(t);
    const corrupted = c.corrupt(Buffer.from(f.bytes), f);
    await writeFile(f.path, corrupted);
    const kept = c.kept(f);
    const lines = await checkRecovered(f.dir, kept.last, c.drops(f), c.name);
    const warning = lines.find((l) => l.msg === 'Truncated torn or corrupt journal tail');
    assert.equal(warning?.droppedBytes, corrupted.length - kept.bytes, `${c.name}: droppedBytes`);
    assert.equal(warning?.droppedRecords, c.drops(f), `${c.name}: droppedRecords`);
  }
});

test('an empty last segment is fine and is appended to', async (t) => {
  const { dir } = await fixture(t);
  const empty = join(dir, segmentName(LAST + 1));
  await writeFile(empty, '');
  await checkRecovered(dir, LAST, 0, 'empty last segment');
  assert.ok((await stat(empty)).size > 0);
});

test('lastSeq does not go back when the only remaining segment lost its records', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, segmentName(101)), encodeBatch(makeEvents(101, 103)).subarray(0, 30));
  const journal = await Journal.open({ dir, ...options });
  t.after(() => journal.close());
  assert.equal(journal.lastSeq, 100);
  assert.equal(journal.firstSeq, 0);
  assert.equal(journal.recoveredDrops, 1);
  assert.deepEqual(await journal.read(0, 10), []);
  journal.append(makeEvents(101, 102));
  assert.deepEqual(seqs(await journal.read(0, 10)), [101, 102]);
  assert.equal(journal.firstSeq, 101);
});

test('corruption in an earlier segment is left on disk but never returned', async (t) => {
  const dir = await tempDir(t);
  const journal = await Journal.open({ dir, ...options });
  for (let seq = 1; seq <= LAST; seq += 3) journal.append(makeEvents(seq, seq + 2));
  await journal.close();
  const first = join(dir, segmentName(1));
  const bytes = await readFile(first);
  const head = decodeRecord(bytes, 0);
  assert.ok(head.ok);
  // Damage the second record of the first segment: the first stays readable, the rest of that
  // segment is skipped, later segments are unaffected.
  await writeFile(first, flip(bytes, head.size + HEADER_BYTES + 4));
  const nextBase = Number((await readdir(dir)).sort()[1]!.slice(0, 20));

  const { log, lines } = captureLog();
  const reopened = await Journal.open({ dir, ...options, log });
  t.after(() => reopened.close());
  assert.equal(reopened.recoveredDrops, 0);
  assert.equal((await stat(first)).size, bytes.length);
  assert.equal(reopened.lastSeq, LAST);
  assert.deepEqual(seqs(await reopened.read(0, Infinity)), [1, ...range(nextBase, LAST)]);
  assert.ok(lines.some((l) => l.msg === 'Skipping corrupt journal records' && l.fault === 'crc'));
});

function flip(bytes: Buffer, offset: number): Buffer {
  const copy = Buffer.from(bytes);
  copy[offset]! ^= 0x5a;
  return copy;
}

function poke(bytes: Buffer, offset: number, value: number): Buffer {
  const copy = Buffer.from(bytes);
  copy.writeUInt32LE(value, offset);
  return copy;
}
