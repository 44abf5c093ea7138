/**
 * Property tests with a seeded generator (the seed is in the failure message): random bytes and
 * mutated real records never make the parser, the catalog, the record processor or the saved-log
 * reader throw; records from user space never become events; every event has a registered type.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isEventType } from '../../../../src/collector/events.ts';
import { parseLogLine } from '../../../../src/collector/sources/kmsg/formats.ts';
import { parseRecord, splitRecords } from '../../../../src/collector/sources/kmsg/parse.ts';
import { KmsgProcessor } from '../../../../src/collector/sources/kmsg/processor.ts';
import { classify } from '../../../../src/collector/sources/kmsg/classify.ts';
import { LogReplay } from '../../../../src/commands/log-replay.ts';
import { loadCorpus } from './corpus.ts';

const SEED = Number(process.env.FSEVD_FUZZ_SEED ?? Date.now() % 1_000_000);
const ROUNDS = Number(process.env.FSEVD_FUZZ_ROUNDS ?? 20_000);

/** mulberry32: small, fast, good enough to explore inputs reproducibly. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SPICE = [';', ',', '\n', ' ', '\\x', '\\x0', '\\xff', '\\x5c', '(', ')', ':', '-', '0x', '99999999999999999999', '-1', 'c', '=', '__proto__', '\u0000', 'é', '\udcff', 'EXT4-fs error (device ', 'XFS (', 'BTRFS error (device ', ' error, dev ', 'nfs: server '];

function mutate(text: string, rnd: () => number): string {
  let out = text;
  const edits = 1 + Math.floor(rnd() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rnd() * (out.length + 1));
    const kind = Math.floor(rnd() * 4);
    if (kind === 0) out = out.slice(0, at) + SPICE[Math.floor(rnd() * SPICE.length)] + out.slice(at);
    else if (kind === 1) out = out.slice(0, at) + out.slice(at + 1 + Math.floor(rnd() * 8));
    else if (kind === 2) out = out.slice(0, at) + String.fromCharCode(Math.floor(rnd() * 256)) + out.slice(at + 1);
    else out = out.slice(0, at);
  }
  return out;
}

function randomBytes(rnd: () => number): string {
  const length = Math.floor(rnd() * 200);
  let out = '';
  for (let i = 0; i < length; i++) out += String.fromCharCode(Math.floor(rnd() * 256));
  return out;
}

test(`random and mutated records never crash the record path (seed ${SEED})`, () => {
  const rnd = random(SEED);
  const corpus = loadCorpus().map((c) => c.record);
  const processor = new KmsgProcessor({ expectedSeq: -1, correctionWaitMs: 50 });
  const replay = new LogReplay({ correlation: { windowMs: 100, holdMs: 0, maxSpanMs: 1000 }, correctionWaitMs: 50, node: 'fuzz', bootTime: 0, year: 2026, emit: () => undefined });
  let events = 0;
  for (let i = 0; i < ROUNDS; i++) {
    const input = rnd() < 0.25 ? randomBytes(rnd) : mutate(corpus[Math.floor(rnd() * corpus.length)]!, rnd);
    try {
      for (const raw of splitRecords(input)) {
        const record = parseRecord(raw);
        if (record instanceof Error) continue;
        classify(record);
        // Without sequence accounting, so that every decodable mutation reaches the catalog.
        const observations = processor.record(record, i);
        for (const obs of observations) assert.ok(isEventType(obs.type), obs.type);
        events += observations.length;
      }
      processor.chunk(`${input}\n`, i);
      parseLogLine(input);
      replay.line(input);
    } catch (err) {
      assert.fail(`seed ${SEED}, round ${i}, input ${JSON.stringify(input)}: ${(err as Error).stack}`);
    }
  }
  processor.drain();
  replay.end();
  assert.ok(events > 0, 'the mutations still reach the catalog sometimes');
});

test(`no record from user space becomes an event, whatever it says (seed ${SEED})`, () => {
  const rnd = random(SEED + 1);
  const corpus = loadCorpus().filter((c) => c.type !== undefined).map((c) => c.record);
  for (let i = 0; i < 2000; i++) {
    const record = corpus[Math.floor(rnd() * corpus.length)]!;
    const level = Number(record.slice(0, record.indexOf(','))) & 7;
    const facility = 1 + Math.floor(rnd() * 23);
    const forged = `${(facility << 3) | level}${record.slice(record.indexOf(','))}`;
    const processor = new KmsgProcessor({ expectedSeq: -1, correctionWaitMs: 0 });
    const out = [...processor.chunk(`${forged}\n`, 0).observations, ...processor.drain()];
    assert.deepEqual(out, [], `seed ${SEED}: ${forged}`);
  }
});
