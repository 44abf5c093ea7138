/**
 * @module collector/journal/reader
 * Reading records back from segment files, asynchronously (fs/promises), with the same checks as
 * recovery: earlier segments are trusted to be whole, but a bad record is still never returned.
 */
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { FsEvent } from '../types.ts';
import { scanRecords } from './record.ts';
import type { SegmentInfo } from './segment.ts';

/** What to read: records with since < seq <= upTo that pass filter, until out holds limit. */
export interface ReadRange {
  since: number;
  upTo: number;
  limit: number;
  filter: ((e: FsEvent) => boolean) | undefined;
}

/**
 * Appends matching records from `segments` (a snapshot, in seq order) to `out`. `upTo` must only
 * cover records whose append has returned: the last segment may be growing while it is read.
 */
export async function readSegments(segments: readonly SegmentInfo[], range: ReadRange, out: FsEvent[], log: Logger): Promise<void> {
  for (let i = 0; i < segments.length && out.length < range.limit; i++) {
    const segment = segments[i]!;
    if (segment.base > range.upTo) return;
    // Every record of a segment is below the next segment's base: skip segments entirely <= since.
    const next = segments[i + 1];
    if (next && next.base <= range.since + 1) continue;

    let bytes: Buffer;
    try {
      bytes = await readFile(segment.path);
    } catch (err) {
      // Retention may delete a segment between the snapshot and this read; its records are gone.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    const scan = scanRecords(bytes, segment.base, range.upTo);
    // A torn end of the last segment is an append in progress; anything else is damage.
    const appending = i === segments.length - 1 && scan.fault === 'torn';
    if (scan.fault !== null && !appending) {
      log.warn({ segment: segment.path, fault: scan.fault, offset: scan.validBytes }, 'Skipping corrupt journal records');
    }
    for (const event of scan.events) {
      if (event.seq <= range.since) continue;
      if (!range.filter || range.filter(event)) out.push(event);
      if (out.length >= range.limit) return;
    }
  }
}
