/**
 * @module collector/journal/recover
 * Open-time crash recovery. The daemon may be SIGKILLed (or the machine may lose power) in the
 * middle of an append, so the last segment can end in a torn or garbage record. Only the last
 * segment is ever appended to, so only it is validated record by record and cut at the first bad
 * record; earlier segments were complete when the journal rotated away from them.
 */
import { open } from 'node:fs/promises';
import type { Logger } from 'pino';
import { FsevdError } from '../../errors.ts';
import type { FsEvent } from '../types.ts';
import { scanRecords } from './record.ts';
import { listSegments, type SegmentInfo } from './segment.ts';

/** What open() learns from the directory. */
export interface Recovered {
  /** All segments in seq order, the last one truncated to its good records. */
  segments: SegmentInfo[];
  /** The good records of the last segment, oldest first (to warm the read cache). */
  tail: FsEvent[];
  /** Seq of the last good record; the pipeline continues from lastSeq + 1. */
  lastSeq: number;
  /** Records cut off the last segment. */
  droppedRecords: number;
}

/** Scans `dir`, truncates a torn or corrupt tail, and reports where the sequence stands. */
export async function recover(dir: string, durable: boolean, log: Logger): Promise<Recovered> {
  const { segments, strangers } = await listSegments(dir);
  if (strangers.length > 0) log.warn({ dir, files: strangers }, 'Ignoring files that are not journal segments');
  const last = segments.at(-1);
  if (!last) return { segments, tail: [], lastSeq: 0, droppedRecords: 0 };

  const handle = await open(last.path, 'r+');
  let tail: FsEvent[];
  let droppedRecords = 0;
  try {
    const bytes = await handle.readFile();
    const scan = scanRecords(bytes, last.base);
    tail = scan.events;
    if (scan.fault !== null) {
      await handle.truncate(scan.validBytes);
      // Without this, power loss could bring the cut bytes back underneath records appended later.
      if (durable) await handle.sync();
      droppedRecords = scan.droppedRecords;
      log.warn(
        {
          segment: last.path,
          fault: scan.fault,
          offset: scan.validBytes,
          droppedBytes: bytes.length - scan.validBytes,
          droppedRecords,
        },
        'Truncated torn or corrupt journal tail',
      );
    }
    last.size = scan.validBytes;
  } finally {
    await handle.close();
  }

  // An empty last segment still tells where the sequence stood: it was created for a batch
  // starting at its base, so every seq below that was assigned before. Using it keeps lastSeq
  // from going backwards when that batch was lost and retention had removed older segments.
  const lastSeq = tail.at(-1)?.seq ?? last.base - 1;
  return { segments, tail, lastSeq, droppedRecords };
}

/** Wraps an fs failure during open as FSEVD_E_JOURNAL. */
export function openFailure(dir: string, err: unknown): FsevdError {
  if (err instanceof FsevdError) return err;
  return new FsevdError('FSEVD_E_JOURNAL', `Cannot open journal in ${dir}`, { cause: err });
}
