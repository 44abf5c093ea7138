/**
 * @module collector/journal/segment
 * Segment files: their names, listing them, and the writer of the current one. A segment is named
 * by the seq of its first record, zero-padded so that lexical order is seq order. A name is a
 * lower bound: every record in the file has seq >= its name and < the next segment's name.
 */
import { closeSync, fsync, fsyncSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { FsevdError } from '../../errors.ts';
import { MAX_PAYLOAD_BYTES, type RecordAppender } from './record.ts';

/** Digits in a name: 20 holds any u64, more than any safe-integer seq (16 digits) needs. */
const NAME_DIGITS = 20;
const NAME_PATTERN = /^(\d{20})\.log$/;
/** Segment files are data of the daemon's user and group, like the directory (0o750). */
const FILE_MODE = 0o640;

/** A segment file as the journal tracks it. */
export interface SegmentInfo {
  /** The seq in the file name (lower bound of the seqs it holds). */
  base: number;
  path: string;
  /** Bytes in the file. */
  size: number;
}

/** The file name of the segment whose first seq is `base`. */
export function segmentName(base: number): string {
  return `${String(base).padStart(NAME_DIGITS, '0')}.log`;
}

/** The base seq encoded in a segment file name, or null if the name is not a segment's. */
export function parseSegmentName(name: string): number | null {
  const match = NAME_PATTERN.exec(name);
  if (!match) return null;
  const base = Number(match[1]);
  return Number.isSafeInteger(base) && base > 0 ? base : null;
}

/** Lists the segments of `dir` in seq order with their sizes; other files are returned apart. */
export async function listSegments(dir: string): Promise<{ segments: SegmentInfo[]; strangers: string[] }> {
  const segments: SegmentInfo[] = [];
  const strangers: string[] = [];
  for (const name of (await readdir(dir)).sort()) {
    const base = parseSegmentName(name);
    if (base === null) {
      strangers.push(name);
      continue;
    }
    const path = join(dir, name);
    segments.push({ base, path, size: (await stat(path)).size });
  }
  return { segments, strangers };
}

/** Makes a file creation or removal in `dir` durable (fsync of the directory itself). */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The open segment being appended to. One instance per file; not shared between journals. */
export class SegmentWriter {
  /** Bytes in the file, as written through this writer. */
  size: number;
  private fd: number | null;
  /** Written since the last fsync started. */
  private unsynced = false;
  /** The background fsync in progress; close() waits for it so the fd is never reused under it. */
  private inFlight: Promise<void> | null = null;
  /** A failed write could not be cut back (see cutBack). */
  private broken = false;

  private constructor(readonly path: string, fd: number, size: number) {
    this.fd = fd;
    this.size = size;
  }

  /** True when bytes were written since the last fsync started. */
  get dirty(): boolean {
    return this.unsynced;
  }

  /** Opens an existing segment of `size` bytes for appending. */
  static reopen(path: string, size: number): SegmentWriter {
    return new SegmentWriter(path, openFile(path, 'a'), size);
  }

  /** Creates a new, empty segment; fails if the file already exists. */
  static create(path: string): SegmentWriter {
    return new SegmentWriter(path, openFile(path, 'ax'), 0);
  }

  /**
   * Appends `bytes` with one write syscall (writeSync): the caller publishes only after append
   * returns, so the bytes must be in the page cache by then. On failure, truncates back to the
   * previous size, so a half-written batch never sits in front of later ones, and throws.
   */
  write(bytes: Buffer): void {
    this.appendWith((fd) => {
      let written = 0;
      try {
        // A regular-file write is complete unless the disk fills or a signal interrupts it; the
        // loop only finishes such a short write (or surfaces the error behind it).
        while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
      } catch (err) {
        throw Object.assign(err as Error, { written });
      }
      return bytes.length;
    });
  }

  /**
   * Appends one record whose payload is `payload` through `append` (the addon encodes and writes
   * it in one call); same guarantees as write(). Returns the record's size, or -(payload bytes)
   * with nothing written when the payload is over MAX_PAYLOAD_BYTES.
   */
  writeRecord(append: RecordAppender, payload: string): number {
    return this.appendWith((fd) => append(fd, payload, MAX_PAYLOAD_BYTES));
  }

  /** Runs one append on the fd: returns the bytes it added (< 0: none), cuts back what a failed one left. */
  private appendWith(append: (fd: number) => number): number {
    const fd = this.openFd();
    let size: number;
    try {
      size = append(fd);
    } catch (err) {
      if (((err as { written?: number }).written ?? 0) > 0) this.cutBack(fd);
      throw new FsevdError('FSEVD_E_JOURNAL', `Cannot write journal segment ${this.path}`, { cause: err });
    }
    if (size > 0) {
      this.size += size;
      this.unsynced = true;
    }
    return size;
  }

  /** fsyncs now, blocking, if anything was written since the last fsync. */
  syncNow(): void {
    if (!this.unsynced) return;
    this.unsynced = false;
    try {
      fsyncSync(this.openFd());
    } catch (err) {
      this.unsynced = true;
      throw new FsevdError('FSEVD_E_JOURNAL', `Cannot fsync journal segment ${this.path}`, { cause: err });
    }
  }

  /** fsyncs in the background if anything was written; resolves once all writes so far are synced. */
  syncLater(): Promise<void> {
    // The fsync in progress may have started before the latest write: wait, then look again.
    if (this.inFlight) return this.inFlight.then(() => this.syncLater());
    if (!this.unsynced || this.fd === null) return Promise.resolve();
    const fd = this.fd;
    this.unsynced = false;
    this.inFlight = new Promise<void>((resolve, reject) => {
      fsync(fd, (err) => {
        this.inFlight = null;
        if (err) {
          this.unsynced = true;
          reject(new FsevdError('FSEVD_E_JOURNAL', `Cannot fsync journal segment ${this.path}`, { cause: err }));
        } else {
          resolve();
        }
      });
    });
    return this.inFlight;
  }

  /** Closes the fd after any background fsync; does not fsync by itself. Idempotent. */
  async close(): Promise<void> {
    await this.inFlight?.catch(() => undefined);
    if (this.fd === null) return;
    const fd = this.fd;
    this.fd = null;
    closeSync(fd);
  }

  private openFd(): number {
    if (this.fd === null) throw new FsevdError('FSEVD_E_JOURNAL', `Journal segment ${this.path} is closed`);
    if (this.broken) {
      throw new FsevdError('FSEVD_E_JOURNAL', `Journal segment ${this.path} ends in a torn write; reopen the journal`);
    }
    return this.fd;
  }

  /**
   * Removes a partial write. If even that fails, the file ends in a torn record that later
   * appends would sit behind (and recovery would then drop), so the writer refuses further
   * writes; reopening the journal truncates the tear.
   */
  private cutBack(fd: number): void {
    try {
      ftruncateSync(fd, this.size);
    } catch {
      this.broken = true;
    }
  }
}

function openFile(path: string, flags: 'a' | 'ax'): number {
  try {
    return openSync(path, flags, FILE_MODE);
  } catch (err) {
    throw new FsevdError('FSEVD_E_JOURNAL', `Cannot open journal segment ${path}`, { cause: err });
  }
}
