/**
 * The pure fanotify decoder against buffers built byte by byte (and one captured from this
 * kernel): well-formed events of every shape it knows, and buffers that lie about their lengths,
 * which must be counted and dropped, never thrown.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeEvents, fsidToString, sampleFsErrorEvent } from '../../../../src/collector/sources/fanotify/decode.ts';

const FS_ERROR = 0x8000;
const Q_OVERFLOW = 0x4000;

/** A trigger_fs_error event read from a real fanotify group on Linux 6.18 (no file handle). */
const CAPTURED = Buffer.from('38000000030018000080000000000000ffffffff2c36000001001400d97848c14063ca4c00000000ff00000005000c007500000001000000', 'hex');

function info(type: number, body: Buffer, len = 4 + body.length): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt8(type, 0);
  header.writeUInt16LE(len, 2);
  return Buffer.concat([header, body]);
}

function errorInfo(errno: number, count: number, len?: number): Buffer {
  const body = Buffer.alloc(8);
  body.writeInt32LE(errno, 0);
  body.writeUInt32LE(count, 4);
  return info(5, body, len);
}

function fidInfo(fsid: [number, number], handleType: number, handle: Buffer, handleBytes = handle.length): Buffer {
  const body = Buffer.alloc(16);
  body.writeUInt32LE(fsid[0], 0);
  body.writeUInt32LE(fsid[1], 4);
  body.writeUInt32LE(handleBytes, 8);
  body.writeInt32LE(handleType, 12);
  // The kernel pads info records to 4 bytes.
  const padded = Buffer.concat([handle, Buffer.alloc((4 - (handle.length % 4)) % 4)]);
  return info(1, Buffer.concat([body, padded]));
}

function event(mask: number, infos: Buffer[], options: { version?: number; metadataLen?: number; eventLen?: number; pid?: number } = {}): Buffer {
  const rest = Buffer.concat(infos);
  const metadata = Buffer.alloc(24);
  metadata.writeUInt32LE(options.eventLen ?? 24 + rest.length, 0);
  metadata.writeUInt8(options.version ?? 3, 4);
  metadata.writeUInt16LE(options.metadataLen ?? 24, 6);
  metadata.writeUInt32LE(mask, 8);
  metadata.writeInt32LE(-1, 16); // FAN_NOFD
  metadata.writeInt32LE(options.pid ?? 4242, 20);
  return Buffer.concat([metadata, rest]);
}

function ino32(inode: number, generation: number): Buffer {
  const handle = Buffer.alloc(8);
  handle.writeUInt32LE(inode, 0);
  handle.writeUInt32LE(generation, 4);
  return handle;
}

test('a captured superblock-wide ext4 error decodes to errno 117, count 1, its fsid and no inode', () => {
  const { records, malformed } = decodeEvents(CAPTURED);
  assert.deepEqual(malformed, []);
  assert.deepEqual(records, [{ kind: 'fs-error', errno: 117, errorCount: 1, pid: 0x362c, fsid: 'c14878d9:4cca6340' }]);
});

test('an error on an inode carries the handle, and ext4 handles give the inode and generation', () => {
  const buffer = event(FS_ERROR, [fidInfo([0x842441e0, 0x91e58565], 1, ino32(2049, 0x56789d57)), errorInfo(74, 3)]);
  const [record] = decodeEvents(buffer).records;
  assert.deepEqual(record, {
    kind: 'fs-error',
    errno: 74,
    errorCount: 3,
    pid: 4242,
    fsid: '842441e0:91e58565',
    handle: { type: 1, hex: '01080000579d7856' },
    inode: 2049,
    generation: 0x56789d57,
  });
});

test('record order does not matter, a negative errno is made positive, 64-bit inodes decode', () => {
  const handle = Buffer.alloc(12);
  handle.writeBigUInt64LE(2n ** 40n + 7n, 0);
  handle.writeUInt32LE(9, 8);
  const [record] = decodeEvents(event(FS_ERROR, [errorInfo(-5, 1), fidInfo([1, 2], 0x81, handle)])).records;
  assert.equal(record?.kind, 'fs-error');
  if (record?.kind !== 'fs-error') return;
  assert.equal(record.errno, 5);
  assert.equal(record.inode, 2 ** 40 + 7);
  assert.equal(record.generation, 9);
  assert.equal(record.fsid, '00000001:00000002');
});

test('a 64-bit inode beyond 2^53 is kept exact as a decimal string; the handle is hex of every byte', () => {
  const handle = Buffer.alloc(12);
  handle.writeBigUInt64LE(2n ** 63n + 12345n, 0);
  handle.writeUInt32LE(0xdeadbeef, 8);
  const [record] = decodeEvents(event(FS_ERROR, [errorInfo(5, 1), fidInfo([0x80000000, 0x7f], 0x82, handle)])).records;
  if (record?.kind !== 'fs-error') return assert.fail('no fs-error record');
  assert.equal(record.inode, (2n ** 63n + 12345n).toString());
  assert.equal(record.generation, 0xdeadbeef);
  assert.deepEqual(record.handle, { type: 0x82, hex: handle.toString('hex') });
  assert.equal(record.fsid, '80000000:0000007f');
});

test('several events in one read, an overflow among them, and unknown info records are skipped and counted', () => {
  const unknown = info(42, Buffer.alloc(8, 0xaa));
  const buffer = Buffer.concat([
    event(FS_ERROR, [unknown, fidInfo([3, 4], 0xff, Buffer.alloc(0)), errorInfo(117, 1)]),
    event(Q_OVERFLOW, []),
    event(FS_ERROR, [errorInfo(5, 2)]),
  ]);
  const result = decodeEvents(buffer);
  assert.deepEqual(result.malformed, []);
  assert.equal(result.unknownInfo, 1);
  assert.deepEqual(result.records.map((r) => r.kind), ['fs-error', 'overflow', 'fs-error']);
  assert.equal(result.records[2]?.kind === 'fs-error' && result.records[2].fsid, undefined, 'no FID record, no fsid');
});

test('events with a mask the group never asked for are counted as unexpected', () => {
  const result = decodeEvents(event(0x2 /* FAN_MODIFY */, []));
  assert.deepEqual(result.records, []);
  assert.equal(result.unexpected, 1);
});

test('lying lengths are counted as malformed and dropped; good events around them survive', () => {
  const good = event(FS_ERROR, [errorInfo(117, 1)]);
  const cases: Array<[string, Buffer, string[], number]> = [
    ['a truncated header', good.subarray(0, 10), ['truncated-header'], 0],
    ['a good event then a truncated one', Buffer.concat([good, good.subarray(0, 23)]), ['truncated-header'], 1],
    ['event_len 0', event(FS_ERROR, [errorInfo(117, 1)], { eventLen: 0 }), ['bad-event-length'], 0],
    ['event_len below the header size', event(FS_ERROR, [errorInfo(117, 1)], { eventLen: 20 }), ['bad-event-length'], 0],
    ['event_len past the end', event(FS_ERROR, [errorInfo(117, 1)], { eventLen: 4096 }), ['bad-event-length'], 0],
    ['an unknown metadata version, then a good event', Buffer.concat([event(FS_ERROR, [errorInfo(1, 1)], { version: 2 }), good]), ['bad-metadata'], 1],
    ['metadata_len past event_len', event(FS_ERROR, [errorInfo(117, 1)], { metadataLen: 200 }), ['bad-metadata'], 0],
    ['info len 0', Buffer.concat([event(FS_ERROR, [errorInfo(117, 1, 0)]), good]), ['bad-info-length'], 1],
    ['info len below its header', event(FS_ERROR, [errorInfo(117, 1, 2)]), ['bad-info-length'], 0],
    ['info len past the event', event(FS_ERROR, [errorInfo(117, 1, 64)]), ['bad-info-length'], 0],
    ['a header cut by the event end', event(FS_ERROR, [errorInfo(117, 1), Buffer.from([5, 0])]), ['bad-info-length'], 0],
    ['an error record too short', event(FS_ERROR, [info(5, Buffer.alloc(4))]), ['bad-error-info'], 0],
    ['a handle longer than its record', event(FS_ERROR, [fidInfo([1, 1], 1, ino32(1, 1), 200), errorInfo(117, 1)]), ['bad-fid-info'], 0],
    ['a FID record too short', event(FS_ERROR, [info(1, Buffer.alloc(8)), errorInfo(117, 1)]), ['bad-fid-info'], 0],
    ['no error record', event(FS_ERROR, [fidInfo([1, 1], 0xff, Buffer.alloc(0))]), ['missing-error-info'], 0],
  ];
  for (const [what, buffer, malformed, survivors] of cases) {
    const result = decodeEvents(buffer);
    assert.deepEqual(result.malformed, malformed, what);
    assert.equal(result.records.length, survivors, what);
  }
});

test('random and mutated buffers never throw, and what they yield is well-formed', () => {
  const valid = Buffer.concat([CAPTURED, event(FS_ERROR, [fidInfo([7, 8], 1, ino32(12, 3)), errorInfo(74, 2)]), event(Q_OVERFLOW, [])]);
  let seed = 0x5eed;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  for (let i = 0; i < 20_000; i++) {
    let buffer: Buffer;
    if (i % 4 === 0) {
      buffer = Buffer.from(Array.from({ length: Math.floor(random() * 200) }, () => Math.floor(random() * 256)));
    } else {
      buffer = Buffer.from(valid.subarray(0, Math.floor(random() * (valid.length + 1))));
      for (let flips = 1 + Math.floor(random() * 4); flips > 0 && buffer.length > 0; flips--) buffer[Math.floor(random() * buffer.length)] = Math.floor(random() * 256);
    }
    const result = decodeEvents(buffer);
    for (const record of result.records) {
      if (record.kind !== 'fs-error') continue;
      assert.ok(Number.isInteger(record.errno) && record.errno >= 0);
      if (record.fsid !== undefined) assert.match(record.fsid, /^[0-9a-f]{8}:[0-9a-f]{8}$/);
    }
  }
});

test('fsidToString writes both words as unsigned 8-digit hex', () => {
  assert.equal(fsidToString(-1, 0x2a), 'ffffffff:0000002a');
});

test('the sample the source rehearses with is a well-formed FS_ERROR event', () => {
  const decoded = decodeEvents(sampleFsErrorEvent());
  assert.deepEqual(decoded.malformed, []);
  assert.equal(decoded.unknownInfo + decoded.unexpected, 0);
  assert.deepEqual(decoded.records, [{ kind: 'fs-error', errno: 5, errorCount: 1, fsid: '00000000:00000000', handle: { type: 1, hex: '0c00000001000000' }, inode: 12, generation: 1, pid: 0 }]);
});
