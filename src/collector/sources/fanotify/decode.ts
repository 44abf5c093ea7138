/**
 * @module collector/sources/fanotify/decode
 * Pure decoding of what one read() of a FAN_REPORT_FID fanotify group returns: a sequence of
 * events, each `struct fanotify_event_metadata` (24 bytes) followed by info records, each opening
 * with `struct fanotify_event_info_header` {u8 type, u8 pad, u16 len} (include/uapi/linux/fanotify.h;
 * shared/reference/kernel-signals.md §8). Record order is not guaranteed and unknown records are
 * skipped by their length. Nothing here trusts a length: a buffer that lies is counted as
 * malformed and the damaged part dropped, never thrown. No Node I/O, so it can be fuzzed alone.
 */

/** sizeof(struct fanotify_event_metadata). */
const METADATA_LEN = 24;
/** FANOTIFY_METADATA_VERSION: any other version has a layout this decoder does not know. */
const METADATA_VERSION = 3;
const INFO_HEADER_LEN = 4;
/** Header + s32 error + u32 error_count. */
const ERROR_INFO_LEN = 12;
/** Header + fsid (2 × s32) + file_handle {u32 handle_bytes, s32 handle_type}. */
const FID_INFO_MIN_LEN = 20;

const FAN_Q_OVERFLOW = 0x4000;
const FAN_FS_ERROR = 0x8000;
const INFO_TYPE_FID = 1;
const INFO_TYPE_ERROR = 5;

/** include/linux/exportfs.h: handles that start with a 32-bit inode and generation. */
const FILEID_INO32_GEN = new Set([0x01, 0x02]);
/** FILEID_INO64_GEN(_PARENT): a 64-bit inode, then a 32-bit generation. */
const FILEID_INO64_GEN = new Set([0x81, 0x82]);

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Above this high word, a u64 is no longer a safe integer (2^53 = 2^21 × 2^32). */
const SAFE_HIGH_WORD = 2 ** 21;
/** "00".."ff" by byte value. */
const HEX_BYTES = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** Why (part of) a buffer was dropped; a closed set, usable as a metric label. */
export type MalformedReason =
  | 'truncated-header'
  | 'bad-event-length'
  | 'bad-metadata'
  | 'bad-info-length'
  | 'bad-error-info'
  | 'bad-fid-info'
  | 'missing-error-info';

/** A FAN_FS_ERROR event: the first error since the last read, and how many there were. */
export interface FsErrorRecord {
  kind: 'fs-error';
  /** Positive errno (ext4 on 6.12 passes some negated; the sign carries no meaning). */
  errno: number;
  /** 1 + errors of the same filesystem merged into this event while it was queued. */
  errorCount: number;
  /** Filesystem id as "val0:val1" in hex (fsidToString); absent without a FID record. */
  fsid?: string;
  /** The file handle of the inode concerned, when the error concerns one. */
  handle?: { type: number; hex: string };
  /** Decoded from the handle when its type starts with the inode number (ext4 does). */
  inode?: number | string;
  generation?: number;
  /** Process whose syscall hit the error (0 when the kernel did not say). */
  pid: number;
}

/** FAN_Q_OVERFLOW: the kernel queue was full and dropped events. */
export interface OverflowRecord {
  kind: 'overflow';
}

/** One decoded event. */
export type FanotifyRecord = FsErrorRecord | OverflowRecord;

/** Everything one buffer held. */
export interface DecodeResult {
  records: FanotifyRecord[];
  /** One entry per dropped event or unreadable tail. */
  malformed: MalformedReason[];
  /** Info records of a type this decoder does not know, skipped. */
  unknownInfo: number;
  /** Well-formed events with a mask this group never asked for, skipped. */
  unexpected: number;
}

/** The fsid as fsevd writes it everywhere: both __kernel_fsid_t words as 8 hex digits. */
export function fsidToString(val0: number, val1: number): string {
  return `${hexWord(val0)}:${hexWord(val1)}`;
}

/*
 * Field reads and hex by hand, in the host's byte order (fanotify structs are native-endian): this
 * runs cold, once per error, on the latency path, where each distinct builtin a read goes through
 * (DataView getters, Number#toString, padStart) costs cache misses; plain arithmetic
 * on the bytes touches far less (measured with the caches flushed before each call: decoding one
 * FS_ERROR event took ~75 µs with DataView and per-byte toString/padStart, ~21 µs this way).
 */

function u16(b: Uint8Array, at: number): number {
  return LITTLE_ENDIAN ? b[at]! | (b[at + 1]! << 8) : (b[at]! << 8) | b[at + 1]!;
}

function u32(b: Uint8Array, at: number): number {
  return (LITTLE_ENDIAN ? b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24) : (b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

/** A u64 as a number when it is a safe integer, else as a decimal string. */
function u64(b: Uint8Array, at: number): number | string {
  const high = u32(b, LITTLE_ENDIAN ? at + 4 : at);
  const low = u32(b, LITTLE_ENDIAN ? at : at + 4);
  return high < SAFE_HIGH_WORD ? high * 2 ** 32 + low : ((BigInt(high) << 32n) | BigInt(low)).toString();
}

/** A 32-bit word as 8 lower-case hex digits. */
function hexWord(word: number): string {
  return HEX_BYTES[(word >>> 24) & 0xff]! + HEX_BYTES[(word >>> 16) & 0xff]! + HEX_BYTES[(word >>> 8) & 0xff]! + HEX_BYTES[word & 0xff]!;
}

/**
 * A FAN_FS_ERROR event as the kernel writes it on this host: errno EIO, one error, fsid 0:0, an
 * inode handle (FILEID_INO32_GEN, inode 12). The source decodes it once at start (a rehearsal: see
 * index.ts), so that the first real error is not the first run of this code.
 */
export function sampleFsErrorEvent(): Uint8Array {
  const bytes = new Uint8Array(METADATA_LEN + ERROR_INFO_LEN + FID_INFO_MIN_LEN + 8);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, bytes.length, LITTLE_ENDIAN);
  bytes[4] = METADATA_VERSION;
  view.setUint16(6, METADATA_LEN, LITTLE_ENDIAN);
  view.setUint32(8, FAN_FS_ERROR, LITTLE_ENDIAN);
  view.setInt32(16, -1, LITTLE_ENDIAN); // FAN_NOFD
  const error = METADATA_LEN;
  bytes[error] = INFO_TYPE_ERROR;
  view.setUint16(error + 2, ERROR_INFO_LEN, LITTLE_ENDIAN);
  view.setInt32(error + 4, 5, LITTLE_ENDIAN);
  view.setUint32(error + 8, 1, LITTLE_ENDIAN);
  const fid = error + ERROR_INFO_LEN;
  bytes[fid] = INFO_TYPE_FID;
  view.setUint16(fid + 2, FID_INFO_MIN_LEN + 8, LITTLE_ENDIAN);
  view.setUint32(fid + 12, 8, LITTLE_ENDIAN); // handle_bytes
  view.setInt32(fid + 16, 0x01, LITTLE_ENDIAN); // FILEID_INO32_GEN
  view.setUint32(fid + 20, 12, LITTLE_ENDIAN);
  view.setUint32(fid + 24, 1, LITTLE_ENDIAN);
  return bytes;
}

/** Decodes the bytes of one read() of the fanotify fd. */
export function decodeEvents(chunk: Uint8Array): DecodeResult {
  const out: DecodeResult = { records: [], malformed: [], unknownInfo: 0, unexpected: 0 };
  let offset = 0;
  while (offset < chunk.byteLength) {
    const left = chunk.byteLength - offset;
    if (left < METADATA_LEN) {
      out.malformed.push('truncated-header');
      break;
    }
    const eventLen = u32(chunk, offset);
    if (eventLen < METADATA_LEN || eventLen > left) {
      // Without a trustworthy length there is no next event to resynchronise on.
      out.malformed.push('bad-event-length');
      break;
    }
    const next = offset + eventLen;
    const version = chunk[offset + 4]!;
    const metadataLen = u16(chunk, offset + 6);
    if (version !== METADATA_VERSION || metadataLen < METADATA_LEN || metadataLen > eventLen) {
      out.malformed.push('bad-metadata');
    } else {
      // Both bits live in the low word of the 64-bit mask.
      const mask = u32(chunk, offset + 8);
      const pid = (u32(chunk, offset + 20) | 0);
      if (mask & FAN_Q_OVERFLOW) out.records.push({ kind: 'overflow' });
      else if (mask & FAN_FS_ERROR) decodeFsError(chunk, offset + metadataLen, next, Math.max(pid, 0), out);
      else out.unexpected += 1;
    }
    offset = next;
  }
  return out;
}

/** Decodes the info records of one FAN_FS_ERROR event in [start, end); drops the event if any lies. */
function decodeFsError(chunk: Uint8Array, start: number, end: number, pid: number, out: DecodeResult): void {
  const record: FsErrorRecord = { kind: 'fs-error', errno: 0, errorCount: 0, pid };
  let sawError = false;
  for (let at = start; at < end; ) {
    const len = end - at >= INFO_HEADER_LEN ? u16(chunk, at + 2) : 0;
    if (len < INFO_HEADER_LEN || len > end - at) {
      out.malformed.push('bad-info-length');
      return;
    }
    const type = chunk[at]!;
    if (type === INFO_TYPE_ERROR) {
      if (len < ERROR_INFO_LEN) {
        out.malformed.push('bad-error-info');
        return;
      }
      record.errno = Math.abs((u32(chunk, at + 4) | 0));
      record.errorCount = u32(chunk, at + 8);
      sawError = true;
    } else if (type === INFO_TYPE_FID) {
      if (!decodeFid(chunk, at, len, record)) {
        out.malformed.push('bad-fid-info');
        return;
      }
    } else {
      out.unknownInfo += 1;
    }
    at += len;
  }
  if (!sawError) {
    out.malformed.push('missing-error-info');
    return;
  }
  out.records.push(record);
}

/** Fills fsid, handle and inode from a FID record; false when the handle overruns the record. */
function decodeFid(chunk: Uint8Array, at: number, len: number, record: FsErrorRecord): boolean {
  if (len < FID_INFO_MIN_LEN) return false;
  const handleBytes = u32(chunk, at + 12);
  if (handleBytes > len - FID_INFO_MIN_LEN) return false;
  record.fsid = fsidToString((u32(chunk, at + 4) | 0), (u32(chunk, at + 8) | 0));
  if (handleBytes === 0) return true; // FILEID_INVALID: a superblock-wide error, no inode
  const handleType = (u32(chunk, at + 16) | 0);
  const start = at + FID_INFO_MIN_LEN;
  record.handle = { type: handleType, hex: hex(chunk, start, start + handleBytes) };
  if (FILEID_INO32_GEN.has(handleType) && handleBytes >= 8) {
    record.inode = u32(chunk, start);
    record.generation = u32(chunk, start + 4);
  } else if (FILEID_INO64_GEN.has(handleType) && handleBytes >= 12) {
    record.inode = u64(chunk, start);
    record.generation = u32(chunk, start + 8);
  }
  return true;
}

/** Lower-case hex of chunk[start, end). */
function hex(chunk: Uint8Array, start: number, end: number): string {
  let out = '';
  for (let i = start; i < end; i++) out += HEX_BYTES[chunk[i]!];
  return out;
}
