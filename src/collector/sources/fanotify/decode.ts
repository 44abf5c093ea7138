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
  return `${(val0 >>> 0).toString(16).padStart(8, '0')}:${(val1 >>> 0).toString(16).padStart(8, '0')}`;
}

/** Decodes the bytes of one read() of the fanotify fd. */
export function decodeEvents(chunk: Uint8Array): DecodeResult {
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const out: DecodeResult = { records: [], malformed: [], unknownInfo: 0, unexpected: 0 };
  let offset = 0;
  while (offset < chunk.byteLength) {
    const left = chunk.byteLength - offset;
    if (left < METADATA_LEN) {
      out.malformed.push('truncated-header');
      break;
    }
    const eventLen = view.getUint32(offset, LITTLE_ENDIAN);
    if (eventLen < METADATA_LEN || eventLen > left) {
      // Without a trustworthy length there is no next event to resynchronise on.
      out.malformed.push('bad-event-length');
      break;
    }
    const next = offset + eventLen;
    const version = view.getUint8(offset + 4);
    const metadataLen = view.getUint16(offset + 6, LITTLE_ENDIAN);
    if (version !== METADATA_VERSION || metadataLen < METADATA_LEN || metadataLen > eventLen) {
      out.malformed.push('bad-metadata');
    } else {
      // Both bits live in the low word of the 64-bit mask.
      const mask = view.getUint32(offset + 8, LITTLE_ENDIAN);
      const pid = view.getInt32(offset + 20, LITTLE_ENDIAN);
      if (mask & FAN_Q_OVERFLOW) out.records.push({ kind: 'overflow' });
      else if (mask & FAN_FS_ERROR) decodeFsError(chunk, view, offset + metadataLen, next, Math.max(pid, 0), out);
      else out.unexpected += 1;
    }
    offset = next;
  }
  return out;
}

/** Decodes the info records of one FAN_FS_ERROR event in [start, end); drops the event if any lies. */
function decodeFsError(chunk: Uint8Array, view: DataView, start: number, end: number, pid: number, out: DecodeResult): void {
  const record: FsErrorRecord = { kind: 'fs-error', errno: 0, errorCount: 0, pid };
  let sawError = false;
  for (let at = start; at < end; ) {
    const len = end - at >= INFO_HEADER_LEN ? view.getUint16(at + 2, LITTLE_ENDIAN) : 0;
    if (len < INFO_HEADER_LEN || len > end - at) {
      out.malformed.push('bad-info-length');
      return;
    }
    const type = view.getUint8(at);
    if (type === INFO_TYPE_ERROR) {
      if (len < ERROR_INFO_LEN) {
        out.malformed.push('bad-error-info');
        return;
      }
      record.errno = Math.abs(view.getInt32(at + 4, LITTLE_ENDIAN));
      record.errorCount = view.getUint32(at + 8, LITTLE_ENDIAN);
      sawError = true;
    } else if (type === INFO_TYPE_FID) {
      if (!decodeFid(chunk, view, at, len, record)) {
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
function decodeFid(chunk: Uint8Array, view: DataView, at: number, len: number, record: FsErrorRecord): boolean {
  if (len < FID_INFO_MIN_LEN) return false;
  const handleBytes = view.getUint32(at + 12, LITTLE_ENDIAN);
  if (handleBytes > len - FID_INFO_MIN_LEN) return false;
  record.fsid = fsidToString(view.getInt32(at + 4, LITTLE_ENDIAN), view.getInt32(at + 8, LITTLE_ENDIAN));
  if (handleBytes === 0) return true; // FILEID_INVALID: a superblock-wide error, no inode
  const handleType = view.getInt32(at + 16, LITTLE_ENDIAN);
  const bytes = chunk.subarray(at + FID_INFO_MIN_LEN, at + FID_INFO_MIN_LEN + handleBytes);
  record.handle = { type: handleType, hex: Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('') };
  const handle = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (FILEID_INO32_GEN.has(handleType) && handleBytes >= 8) {
    record.inode = handle.getUint32(0, LITTLE_ENDIAN);
    record.generation = handle.getUint32(4, LITTLE_ENDIAN);
  } else if (FILEID_INO64_GEN.has(handleType) && handleBytes >= 12) {
    const inode = handle.getBigUint64(0, LITTLE_ENDIAN);
    record.inode = inode <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(inode) : inode.toString();
    record.generation = handle.getUint32(8, LITTLE_ENDIAN);
  }
  return true;
}
