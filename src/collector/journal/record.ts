/**
 * @module collector/journal/record
 * The journal's on-disk record format, pure: bytes ↔ FsEvent, no fs. Shared by the writer, the
 * open-time recovery and read(), so all three apply the same checks.
 *
 * A segment file is a plain concatenation of records, with no file header:
 *
 *   offset  size  field
 *   0       2     magic 0xF5ED, u16 little-endian (bytes ED F5; neither can start JSON text)
 *   2       4     payload length in bytes, u32 little-endian, 1..MAX_PAYLOAD_BYTES
 *   6       4     CRC-32 (IEEE, util/crc32.ts) of the payload bytes, u32 little-endian
 *   10      n     payload: UTF-8 JSON of one FsEvent (collector/types.ts)
 *
 * A record is good when it is complete, its magic and length are sane, its CRC matches, its
 * payload parses as an FsEvent, and its seq is greater than the previous record's (and not below
 * the segment's base, the seq in its file name). Everything from the first bad record on is
 * untrusted: a length field can no longer be believed, so there is no resynchronising.
 */
import { FsevdError } from '../../errors.ts';
import { crc32 } from '../../util/crc32.ts';
import type { FsEvent } from '../types.ts';

/** First two bytes of every record. */
export const RECORD_MAGIC = 0xf5ed;
/** Bytes before the payload: magic (2) + length (4) + CRC (4). */
export const HEADER_BYTES = 10;
/**
 * Largest payload accepted, 1 MiB. Events are a few hundred bytes; the cap keeps a corrupt length
 * field from being believed and bounds what one record can make read() allocate.
 */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;

/** Why a record was rejected. */
export type RecordFault = 'torn' | 'magic' | 'length' | 'crc' | 'payload' | 'order';

/** Outcome of decoding the record at one offset. */
export type DecodeResult =
  | { ok: true; event: FsEvent; size: number }
  | { ok: false; fault: RecordFault };

/** Outcome of scanning a buffer of consecutive records. */
export interface ScanResult {
  /** The good records, in file order (seq strictly increasing). */
  events: FsEvent[];
  /** Bytes from the start occupied by good records (the truncation point after a fault). */
  validBytes: number;
  /** Why scanning stopped before the end, or null if the buffer ended cleanly. */
  fault: RecordFault | null;
  /** Records lost from the fault on: the bad one plus any well-framed ones after it. */
  droppedRecords: number;
}

/**
 * Encodes, checksums and writes one record's payload to a file descriptor in one call (the
 * native addon's appendRecord): returns the record's size, or -(payload bytes) when the payload
 * is over `maxPayload` (nothing written). Throws with `written` set when the write fails.
 */
export type RecordAppender = (fd: number, payload: string, maxPayload: number) => number;

/** The error for an event whose payload is over MAX_PAYLOAD_BYTES. */
export function recordTooLarge(seq: number, length: number): FsevdError {
  return new FsevdError('FSEVD_E_JOURNAL', `Event seq ${seq} encodes to ${length} bytes, over the ${MAX_PAYLOAD_BYTES}-byte record limit`);
}

/** Encodes one event as a record; throws FsevdError FSEVD_E_JOURNAL if it is too large. */
export function encodeRecord(event: FsEvent): Buffer {
  const json = JSON.stringify(event);
  const length = Buffer.byteLength(json, 'utf8');
  if (length > MAX_PAYLOAD_BYTES) throw recordTooLarge(event.seq, length);
  // The payload is encoded straight into the record (no intermediate buffer and copy).
  const record = Buffer.allocUnsafe(HEADER_BYTES + length);
  record.write(json, HEADER_BYTES, 'utf8');
  record.writeUInt16LE(RECORD_MAGIC, 0);
  record.writeUInt32LE(length, 2);
  record.writeUInt32LE(crc32(record.subarray(HEADER_BYTES)), 6);
  return record;
}

/** Encodes a batch as one contiguous buffer, so it can go to disk in one write. */
export function encodeBatch(events: readonly FsEvent[]): Buffer {
  // One event is the usual batch (faults are rare): no array and no concatenation for it.
  return events.length === 1 ? encodeRecord(events[0]!) : Buffer.concat(events.map(encodeRecord));
}

/** Decodes the record starting at `offset`; never throws. */
export function decodeRecord(buf: Uint8Array, offset: number): DecodeResult {
  const framed = frame(buf, offset);
  if (!framed.ok) return framed;
  const payload = buf.subarray(offset + HEADER_BYTES, offset + framed.size);
  const view = new DataView(buf.buffer, buf.byteOffset + offset, HEADER_BYTES);
  if (crc32(payload) !== view.getUint32(6, true)) return { ok: false, fault: 'crc' };
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.length).toString('utf8'));
  } catch {
    return { ok: false, fault: 'payload' };
  }
  if (!isFsEvent(value)) return { ok: false, fault: 'payload' };
  return { ok: true, event: value, size: framed.size };
}

/**
 * Scans consecutive records from the start of `buf`. `minSeq` is the lowest seq the first record
 * may have (the segment's base). Stops cleanly, without a fault, before the first record whose seq
 * exceeds `stopAfter`: read() uses that to stay clear of a tail still being appended.
 */
export function scanRecords(buf: Uint8Array, minSeq: number, stopAfter = Infinity): ScanResult {
  const events: FsEvent[] = [];
  let offset = 0;
  let floor = minSeq - 1;
  while (offset < buf.length) {
    const result = decodeRecord(buf, offset);
    if (!result.ok || result.event.seq <= floor) {
      const fault = result.ok ? 'order' : result.fault;
      return { events, validBytes: offset, fault, droppedRecords: countFramed(buf, offset) };
    }
    if (result.event.seq > stopAfter) break;
    events.push(result.event);
    floor = result.event.seq;
    offset += result.size;
  }
  return { events, validBytes: offset, fault: null, droppedRecords: 0 };
}

/** Checks the header at `offset` and that the whole record is present; returns its total size. */
function frame(buf: Uint8Array, offset: number): { ok: true; size: number } | { ok: false; fault: RecordFault } {
  // Check the magic as soon as its two bytes exist, so garbage shorter than a header is reported
  // as garbage rather than as a torn write.
  if (buf.length - offset >= 2 && (buf[offset]! | (buf[offset + 1]! << 8)) !== RECORD_MAGIC) {
    return { ok: false, fault: 'magic' };
  }
  if (buf.length - offset < HEADER_BYTES) return { ok: false, fault: 'torn' };
  const length = new DataView(buf.buffer, buf.byteOffset + offset, HEADER_BYTES).getUint32(2, true);
  if (length === 0 || length > MAX_PAYLOAD_BYTES) return { ok: false, fault: 'length' };
  if (buf.length - offset < HEADER_BYTES + length) return { ok: false, fault: 'torn' };
  return { ok: true, size: HEADER_BYTES + length };
}

/** Counts records from `offset` to the end, following sane framing; unframeable bytes count as one. */
function countFramed(buf: Uint8Array, offset: number): number {
  let count = 0;
  while (offset < buf.length) {
    count++;
    const framed = frame(buf, offset);
    if (!framed.ok) break;
    offset += framed.size;
  }
  return count;
}

/** Shape check of a parsed payload; the CRC says the bytes are ours, this says they are an event. */
export function isFsEvent(value: unknown): value is FsEvent {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return (
    Number.isSafeInteger(v.seq) && (v.seq as number) > 0 &&
    typeof v.time === 'string' && typeof v.node === 'string' && typeof v.type === 'string' &&
    typeof v.code === 'number' && typeof v.class === 'string' && typeof v.severity === 'string' &&
    typeof v.transient === 'boolean' && Array.isArray(v.sources) && typeof v.count === 'number' &&
    typeof v.data === 'object' && v.data !== null && !Array.isArray(v.data)
  );
}
