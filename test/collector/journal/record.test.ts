import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeRecord,
  encodeBatch,
  encodeRecord,
  HEADER_BYTES,
  MAX_PAYLOAD_BYTES,
  scanRecords,
} from '../../../src/collector/journal/record.ts';
import { FsevdError } from '../../../src/errors.ts';
import { crc32 } from '../../../src/util/crc32.ts';
import { makeEvent, makeEvents, seqs } from './helpers.ts';

test('a record is magic, length, CRC of the payload, then the JSON payload', () => {
  const event = makeEvent(7);
  const record = encodeRecord(event);
  const payload = Buffer.from(JSON.stringify(event), 'utf8');
  assert.deepEqual([...record.subarray(0, 2)], [0xed, 0xf5]);
  assert.equal(record.readUInt32LE(2), payload.length);
  assert.equal(record.readUInt32LE(6), crc32(payload));
  assert.deepEqual(record.subarray(HEADER_BYTES), payload);
  assert.deepEqual(decodeRecord(record, 0), { ok: true, event, size: record.length });
});

test('non-ASCII text and surrogate-escaped paths round-trip', () => {
  const event = makeEvent(1, { mountpoint: '/mnt/\udcff-é-日本', data: { msg: 'ünïcödé' } });
  const result = decodeRecord(encodeRecord(event), 0);
  assert.ok(result.ok);
  assert.deepEqual(result.event, event);
});

test('a batch is the concatenation of its records and scans back whole', () => {
  const events = makeEvents(3, 9);
  const bytes = encodeBatch(events);
  assert.deepEqual(bytes, Buffer.concat(events.map(encodeRecord)));
  assert.deepEqual(scanRecords(bytes, 3), { events, validBytes: bytes.length, fault: null, droppedRecords: 0 });
});

test('every truncation of a record is torn', () => {
  const record = encodeRecord(makeEvent(1));
  for (let cut = 1; cut < record.length; cut++) {
    assert.deepEqual(decodeRecord(record.subarray(0, cut), 0), { ok: false, fault: 'torn' }, `cut at ${cut}`);
  }
});

test('bad magic, length, CRC and payload are told apart', () => {
  const good = encodeRecord(makeEvent(1));
  const mutate = (f: (b: Buffer) => void) => {
    const b = Buffer.from(good);
    f(b);
    return decodeRecord(b, 0);
  };
  assert.deepEqual(mutate((b) => (b[1] = 0x00)), { ok: false, fault: 'magic' });
  assert.deepEqual(mutate((b) => b.writeUInt32LE(0, 2)), { ok: false, fault: 'length' });
  assert.deepEqual(mutate((b) => b.writeUInt32LE(MAX_PAYLOAD_BYTES + 1, 2)), { ok: false, fault: 'length' });
  assert.deepEqual(mutate((b) => (b[HEADER_BYTES + 5]! ^= 0x01)), { ok: false, fault: 'crc' });
  assert.deepEqual(mutate((b) => (b[7]! ^= 0x80)), { ok: false, fault: 'crc' });

  const withPayload = (text: string) => {
    const payload = Buffer.from(text);
    const header = Buffer.alloc(HEADER_BYTES);
    header.writeUInt16LE(0xf5ed, 0);
    header.writeUInt32LE(payload.length, 2);
    header.writeUInt32LE(crc32(payload), 6);
    return decodeRecord(Buffer.concat([header, payload]), 0);
  };
  assert.deepEqual(withPayload('{not json'), { ok: false, fault: 'payload' });
  assert.deepEqual(withPayload('[1,2]'), { ok: false, fault: 'payload' });
  assert.deepEqual(withPayload(JSON.stringify({ ...makeEvent(1), seq: 0 })), { ok: false, fault: 'payload' });
  assert.deepEqual(withPayload(JSON.stringify({ ...makeEvent(1), data: null })), { ok: false, fault: 'payload' });
});

test('scan stops at the first bad record and counts what it drops', () => {
  const events = makeEvents(1, 6);
  const records = events.map(encodeRecord);
  const offsetOf = (i: number) => records.slice(0, i).reduce((n, r) => n + r.length, 0);
  const bytes = Buffer.concat(records);

  const flipped = Buffer.from(bytes);
  flipped[offsetOf(3) + HEADER_BYTES + 2]! ^= 0xff;
  assert.deepEqual(scanRecords(flipped, 1), {
    events: events.slice(0, 3),
    validBytes: offsetOf(3),
    fault: 'crc',
    droppedRecords: 3,
  });

  const torn = bytes.subarray(0, offsetOf(5) + 4);
  assert.deepEqual(scanRecords(torn, 1), { events: events.slice(0, 5), validBytes: offsetOf(5), fault: 'torn', droppedRecords: 1 });

  const garbage = Buffer.concat([bytes, Buffer.from('garbage after the end')]);
  const scan = scanRecords(garbage, 1);
  assert.equal(scan.fault, 'magic');
  assert.equal(scan.validBytes, bytes.length);
  assert.equal(scan.droppedRecords, 1);
});

test('scan rejects seqs that do not increase or fall below the segment base', () => {
  const repeated = encodeBatch([makeEvent(1), makeEvent(2), makeEvent(2), makeEvent(3)]);
  const scan = scanRecords(repeated, 1);
  assert.deepEqual(seqs(scan.events), [1, 2]);
  assert.equal(scan.fault, 'order');
  assert.equal(scan.droppedRecords, 2);

  const belowBase = scanRecords(encodeBatch(makeEvents(5, 6)), 10);
  assert.deepEqual(belowBase.events, []);
  assert.equal(belowBase.fault, 'order');
  assert.equal(belowBase.validBytes, 0);
});

test('scan can stop cleanly before records above a bound', () => {
  const bytes = encodeBatch(makeEvents(1, 5));
  const scan = scanRecords(bytes, 1, 3);
  assert.deepEqual(seqs(scan.events), [1, 2, 3]);
  assert.equal(scan.fault, null);
});

test('an event over the size limit is refused', () => {
  const huge = makeEvent(1, { data: { blob: 'x'.repeat(MAX_PAYLOAD_BYTES) } });
  assert.throws(() => encodeRecord(huge), (err) => err instanceof FsevdError && err.code === 'FSEVD_E_JOURNAL');
});
