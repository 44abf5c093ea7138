/**
 * @module collector/journal
 * Place in the flow: sources → gatherer → pipeline → **journal** → api + rules. The pipeline
 * appends each batch of sequenced events here before publishing it; readers catch up from here.
 * An append-only, checksummed (record.ts), size-bounded log in segment files (segment.ts),
 * repaired at open after a crash (recover.ts), read back asynchronously (reader.ts) with the most
 * recent records served from memory (cache.ts).
 *
 * Durability (`fsync`) — what an acknowledged append (append() returned) survives:
 * - A process crash (SIGKILL, OOM kill, uncaught exception), with every policy, 'never' included:
 *   append() writes with a synchronous write(2), so the bytes are in the kernel's page cache
 *   before it returns and the kernel writes them out even though the process is gone.
 * - Power loss or a kernel crash: with 'always', everything (one fsync per batch, before append()
 *   returns; the cost is that fsync's latency on every batch). With 'interval', all but at most
 *   about the last fsyncIntervalMs of events (one background fsync per interval, never on the append
 *   path). With 'never', whatever the kernel had written back (typically up to ~30 s lost).
 * Segment creation is made durable with a directory fsync under 'always' and 'interval', and a
 * segment is fsynced before the journal moves on to the next one.
 */
import { mkdir } from 'node:fs/promises';
import { closeSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { FsevdError } from '../../errors.ts';
import type { FsEvent } from '../types.ts';
import { RecentEvents } from './cache.ts';
import { readSegments } from './reader.ts';
import { loadNative } from '../../native/binding.ts';
import { encodeBatch, HEADER_BYTES, MAX_PAYLOAD_BYTES, recordTooLarge, type RecordAppender } from './record.ts';
import { openFailure, recover } from './recover.ts';
import { resolveSettings, type JournalOptions, type Settings } from './options.ts';
import { fsyncDir, segmentName, SegmentWriter, type SegmentInfo } from './segment.ts';

export { journalDefaults, type FsyncPolicy, type JournalOptions } from './options.ts';

/**
 * Recent records kept in memory for read(). At a few hundred bytes per event this bounds the cache
 * to a few MiB, and covers far more than any subscriber falls behind between two reads.
 */
export const CACHE_EVENTS = 10_000;

/** The event journal of one daemon. Not safe to open twice on the same directory. */
export class Journal {
  private readonly cache: RecentEvents;
  private writer: SegmentWriter | null;
  private last: number;
  private total: number;
  private readonly dropped: number;
  private syncTimer: NodeJS.Timeout | null = null;
  /** Background fsyncs and closes of retired segments, awaited by close(). */
  private readonly pending = new Set<Promise<void>>();
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly settings: Settings,
    private readonly log: Logger,
    /** Segments in seq order; the last one is the writer's. */
    private readonly segments: SegmentInfo[],
    recovered: { tail: FsEvent[]; lastSeq: number; droppedRecords: number },
    writer: SegmentWriter | null,
    /** Writes a single-event batch in one native call (JournalOptions.appendRecord); absent: JS. */
    private readonly appendRecord: RecordAppender | undefined,
  ) {
    const current = segments.at(-1);
    this.writer = writer;
    this.last = recovered.lastSeq;
    this.total = segments.reduce((sum, s) => sum + s.size, 0);
    this.dropped = recovered.droppedRecords;
    // The tail read at open is the last segment whole, so everything above its base is cached.
    this.cache = new RecentEvents(CACHE_EVENTS, current ? current.base - 1 : 0);
    for (const event of recovered.tail) this.cache.push(event);
    if (settings.fsync === 'interval') this.startSyncTimer();
  }

  /** Opens (creating if needed) the journal in options.dir and recovers from a crash. */
  static async open(options: JournalOptions): Promise<Journal> {
    const settings = resolveSettings(options);
    const log = options.log ?? pino({ level: 'silent' });
    try {
      await mkdir(settings.dir, { recursive: true, mode: 0o750 });
      const recovered = await recover(settings.dir, settings.fsync !== 'never', log);
      const current = recovered.segments.at(-1);
      const writer = current ? SegmentWriter.reopen(current.path, current.size) : null;
      const appendRecord = options.appendRecord === undefined ? nativeAppendRecord() : options.appendRecord ?? undefined;
      const journal = new Journal(settings, log, recovered.segments, recovered, writer, appendRecord);
      // A new journal gets its first segment now rather than on the first append: creating it
      // (open, directory fsync: ~0.6 ms in a trace) sat on the path of the node's first event.
      if (!writer) journal.writerFor(recovered.lastSeq + 1, 0);
      log.info(
        { dir: settings.dir, segments: recovered.segments.length, lastSeq: recovered.lastSeq, bytes: journal.total },
        'Journal opened',
      );
      return journal;
    } catch (err) {
      throw openFailure(settings.dir, err);
    }
  }

  /** Seq of the last record written, 0 when empty. The pipeline continues from lastSeq + 1. */
  get lastSeq(): number {
    return this.last;
  }

  /** Lowest seq still held (after retention), 0 if empty. Segment names give it: see segment.ts. */
  get firstSeq(): number {
    return this.segments.find((s) => s.size > 0)?.base ?? 0;
  }

  /** Total bytes on disk across segments. */
  get sizeBytes(): number {
    return this.total;
  }

  /** Records dropped at open because they were torn or corrupt. */
  get recoveredDrops(): number {
    return this.dropped;
  }

  /**
   * Encodes `event` and writes it as append() would, but to /dev/null: nothing is journaled (see
   * Pipeline.rehearse).
   */
  rehearse(event: FsEvent): void {
    const devNull = openSync('/dev/null', 'w');
    try {
      if (this.appendRecord) this.appendRecord(devNull, JSON.stringify(event), MAX_PAYLOAD_BYTES);
      else writeSync(devNull, encodeBatch([event]));
    } finally {
      closeSync(devNull);
    }
  }

  /**
   * Appends a batch (seqs strictly increasing and > lastSeq) with one write, then applies the
   * fsync policy, rotation and retention. Throws FsevdError FSEVD_E_JOURNAL on a bad seq (nothing
   * written) or an I/O failure; if an 'always' fsync fails, the batch is written (lastSeq covers
   * it) but not known durable.
   */
  append(events: readonly FsEvent[]): void {
    if (this.closing) throw new FsevdError('FSEVD_E_JOURNAL', 'The journal is closed');
    const first = events[0];
    if (!first) return;
    this.checkSeqs(events);
    // One event (the usual batch: faults are rare) is serialized here and encoded and written by
    // the addon when it is loaded; a batch is encoded into one buffer and written at once.
    const payload = events.length === 1 && this.appendRecord ? JSON.stringify(first) : undefined;
    const bytes = payload === undefined ? encodeBatch(events) : undefined;
    const previous = this.writer;
    // A payload's length in UTF-16 units never exceeds its UTF-8 size, so this estimate can only
    // be low: a segment may end a few bytes past segmentBytes.
    const writer = this.writerFor(first.seq, bytes ? bytes.length : HEADER_BYTES + payload!.length);
    const segment = this.segments.at(-1)!;
    let size: number;
    try {
      size = bytes ? (writer.write(bytes), bytes.length) : writer.writeRecord(this.appendRecord!, payload!);
      if (size < 0) throw recordTooLarge(first.seq, -size);
    } catch (err) {
      // A segment created for this batch and left empty would claim seqs the batch never got.
      // (An empty segment found at open is different: it marks where the sequence stood.)
      if (writer !== previous) this.discardCurrent();
      throw err;
    }
    segment.size = writer.size;
    this.total += size;
    this.last = events[events.length - 1]!.seq;
    for (const event of events) this.cache.push(event);
    if (this.settings.fsync === 'always') writer.syncNow();
    this.applyRetention();
  }

  /**
   * Records with seq > since, in order, at most `limit`, keeping those `filter` accepts. Reads
   * older records from disk; recent ones come from memory. Returned events are shared: read-only.
   */
  async read(since: number, limit: number, filter?: (e: FsEvent) => boolean): Promise<FsEvent[]> {
    const out: FsEvent[] = [];
    let cursor = since;
    while (out.length < limit) {
      const floor = this.cache.floor;
      if (cursor >= floor) {
        this.cache.collect(cursor, limit, filter, out);
        break;
      }
      // Records in (cursor, floor] are only on disk. Appends during the await may evict more from
      // the cache (raising its floor), so loop until the cursor has caught up with it.
      try {
        await readSegments([...this.segments], { since: cursor, upTo: floor, limit, filter }, out, this.log);
      } catch (err) {
        throw new FsevdError('FSEVD_E_JOURNAL', `Cannot read journal in ${this.settings.dir}`, { cause: err });
      }
      cursor = floor;
    }
    return out;
  }

  /** fsyncs if the policy asks for it, closes files, clears timers; idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    if (this.syncTimer) clearInterval(this.syncTimer);
    this.syncTimer = null;
    const writer = this.writer;
    this.writer = null;
    try {
      if (writer && this.settings.fsync !== 'never') await writer.syncLater();
    } finally {
      await writer?.close();
      await Promise.all(this.pending);
    }
  }

  private checkSeqs(events: readonly FsEvent[]): void {
    let previous = this.last;
    for (const event of events) {
      if (!Number.isSafeInteger(event.seq) || event.seq <= previous) {
        throw new FsevdError(
          'FSEVD_E_JOURNAL',
          `Event seq ${event.seq} does not follow ${previous}: seqs must be integers, strictly increasing and above lastSeq`,
        );
      }
      previous = event.seq;
    }
  }

  /** The writer to take `length` more bytes, rotating to a new segment named `firstSeq` if needed. */
  private writerFor(firstSeq: number, length: number): SegmentWriter {
    const current = this.writer;
    // An empty segment takes any batch, however large: a record never spans segments.
    if (current && (current.size === 0 || current.size + length <= this.settings.segmentBytes)) return current;
    if (current) {
      // The old segment must be complete on disk before records exist beyond it.
      if (this.settings.fsync !== 'never') current.syncNow();
      this.track(current.close());
    }
    const path = join(this.settings.dir, segmentName(firstSeq));
    this.writer = null; // the old one is closing; if creating the next fails, the next append retries
    const writer = SegmentWriter.create(path);
    this.writer = writer;
    this.segments.push({ base: firstSeq, path, size: 0 });
    if (this.settings.fsync !== 'never') {
      try {
        fsyncDir(this.settings.dir);
      } catch (err) {
        this.discardCurrent();
        throw new FsevdError('FSEVD_E_JOURNAL', `Cannot fsync journal directory ${this.settings.dir}`, { cause: err });
      }
    }
    return writer;
  }

  /** Drops the current, empty segment (created by a batch that then failed). */
  private discardCurrent(): void {
    const writer = this.writer;
    const segment = this.segments.pop();
    this.writer = null;
    if (writer) this.track(writer.close());
    if (!segment) return;
    try {
      unlinkSync(segment.path);
    } catch (err) {
      this.log.warn({ segment: segment.path, err }, 'Cannot remove empty journal segment');
    }
  }

  /** Deletes the oldest segments while over maxBytes, never the current one. */
  private applyRetention(): void {
    while (this.total > this.settings.maxBytes && this.segments.length > 1) {
      const oldest = this.segments[0]!;
      try {
        unlinkSync(oldest.path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
          this.log.warn({ segment: oldest.path, err }, 'Cannot delete old journal segment; keeping it');
          return;
        }
      }
      this.segments.shift();
      this.total -= oldest.size;
      this.cache.dropBelow(this.segments[0]!.base);
      this.log.debug({ segment: oldest.path, bytes: oldest.size, firstSeq: this.firstSeq }, 'Deleted old journal segment');
    }
  }

  /**
   * The background fsync of 'interval': a standing timer that syncs what was written since the
   * last tick. Standing rather than armed by append(): arming a timer costs tens of µs on a cold
   * path, and append() is on the path of every event before it is published.
   */
  private startSyncTimer(): void {
    this.syncTimer = setInterval(() => {
      if (this.writer?.dirty) this.track(this.writer.syncLater());
    }, this.settings.fsyncIntervalMs);
    // A pending fsync must not keep the process alive; close() does the final one.
    this.syncTimer.unref();
  }

  /** Keeps a background operation until it settles, logging its failure (there is no caller to throw to). */
  private track(operation: Promise<void>): void {
    const settled: Promise<void> = operation
      .catch((err: unknown) => this.log.error({ err }, 'Journal background operation failed'))
      .finally(() => this.pending.delete(settled));
    this.pending.add(settled);
  }
}

/** The addon's record appender when the addon is loaded and has one. */
function nativeAppendRecord(): RecordAppender | undefined {
  const loaded = loadNative();
  return loaded.ok ? loaded.native.appendRecord?.bind(loaded.native) : undefined;
}
