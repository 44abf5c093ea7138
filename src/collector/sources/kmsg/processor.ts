/**
 * @module collector/sources/kmsg/processor
 * Pure, with a caller-supplied clock: kernel records in, observations out. Parses each record,
 * accounts sequence gaps, drops user-space records, classifies the rest against the catalog and
 * resolves lines whose outcome depends on later lines (outcome.ts). The kmsg source feeds it
 * batches from /dev/kmsg; `fsevd parse-log` feeds it records decoded from saved logs.
 */
import type { Observation } from '../../types.ts';
import { classify, type Classified } from './classify.ts';
import { Outcomes, type Timed } from './outcome.ts';
import { parseRecord, recordEnd, type KmsgRecord } from './parse.ts';
import { SequenceTracker, type Gap } from './sequence.ts';

/** An observation without its source name (the running-source wrapper adds it). */
export type KmsgObservation = Omit<Observation, 'source'>;

/** Counters of what went through. */
export interface ProcessorStats {
  /** Kernel records read (user-space ones included). */
  records: number;
  /** Records written from user space (facility ≠ 0): never classified. */
  userRecords: number;
  /** Records that could not be decoded (counted, dropped). */
  decodeErrors: number;
  /** Records already seen before a restart (skipped when resuming on the same boot). */
  replayed: number;
  /** Records that were in the ring when a first start opened it: history, only counted. */
  history: number;
  /** Observations produced. */
  observations: number;
}

/** What one chunk of /dev/kmsg output produced. */
export interface ChunkResult {
  observations: KmsgObservation[];
  /** Records missing in or before this chunk, summed over its gaps (from/to span all of them). */
  lost?: Gap;
}

/** Receives what feed() produces, in order. */
export interface ChunkSink {
  /** Records missing before the observations that follow (the gaps since the last call, summed). */
  lost(gap: Gap): void;
  observe(obs: KmsgObservation): void;
}

/** Stateful record processing for one reader. */
export class KmsgProcessor {
  readonly stats: ProcessorStats = { records: 0, userRecords: 0, decodeErrors: 0, replayed: 0, history: 0, observations: 0 };
  readonly #sequence: SequenceTracker;
  readonly #outcomes: Outcomes;

  /** `expectedSeq`: the next sequence number, or -1 to take the first record as the start. */
  constructor(options: { expectedSeq: number; correctionWaitMs: number }) {
    this.#sequence = new SequenceTracker(options.expectedSeq);
    this.#outcomes = new Outcomes(options.correctionWaitMs);
  }

  /**
   * Processes whole records as /dev/kmsg returns them ("PRI,SEQ,USEC,FLAGS;text\n"…), handing each
   * observation to `sink` as soon as its record is classified (a fault is not held back while the
   * rest of its batch is parsed). Gaps are summed and reported just before the next observation,
   * or at the end of the chunk. With `history`, records only advance the sequence (the ring's
   * backlog at a first start: reading it rather than seeking past it gives the sequence a base, so
   * that even the first records lost after the start show as a gap).
   */
  feed(text: string, now: number, history: boolean, sink: ChunkSink): void {
    let lost: Gap | undefined;
    for (let start = 0, end = 0; start < text.length; start = end + 1) {
      end = recordEnd(text, start);
      if (end === start) continue;
      const record = parseRecord(text.slice(start, end));
      if (record instanceof Error) {
        this.stats.decodeErrors += 1;
        continue;
      }
      const { isNew, gap } = this.#sequence.advance(record.seq);
      if (!isNew) {
        this.stats.replayed += 1;
        continue;
      }
      if (gap) lost = lost ? { lost: lost.lost + gap.lost, from: lost.from, to: gap.to } : gap;
      if (history) {
        this.stats.history += 1;
        continue;
      }
      const observations = this.record(record, now);
      if (observations.length === 0) continue;
      if (lost) sink.lost(lost);
      lost = undefined;
      for (const obs of observations) sink.observe(obs);
    }
    if (lost) sink.lost(lost);
  }

  /** Like feed(), collecting: the chunk's observations and all its gaps summed. */
  chunk(text: string, now: number, history = false): ChunkResult {
    const observations: KmsgObservation[] = [];
    let lost: Gap | undefined;
    this.feed(text, now, history, {
      lost: (gap) => void (lost = lost ? { lost: lost.lost + gap.lost, from: lost.from, to: gap.to } : gap),
      observe: (obs) => void observations.push(obs),
    });
    return lost ? { observations, lost } : { observations };
  }

  /** Processes one decoded record (no sequence accounting: the caller owns the order). */
  record(record: KmsgRecord, now: number): KmsgObservation[] {
    this.stats.records += 1;
    if (record.facility !== 0) {
      this.stats.userRecords += 1;
      return this.expire(now);
    }
    const line = classify(record);
    return line ? this.#out(this.#outcomes.push(line, now)) : this.expire(now);
  }

  /** Observations for held lines whose wait ended by `now`. */
  expire(now: number): KmsgObservation[] {
    return this.#out(this.#outcomes.expire(now));
  }

  /** Everything still held (end of input or stop). */
  drain(): KmsgObservation[] {
    return this.#out(this.#outcomes.drain());
  }

  /** Sequence number of the last record read; -1 before any. */
  get lastSeq(): number {
    return this.#sequence.lastSeq;
  }

  /** When a held line falls due (ms, the callers' clock), or undefined. */
  get nextDue(): number | undefined {
    return this.#outcomes.nextDue;
  }

  #out(lines: Timed[]): KmsgObservation[] {
    this.stats.observations += lines.length;
    return lines.map(({ line, at }) => toObservation(line, at));
  }
}

/** The EVENTS_LOST observation for records missing from the kernel log. */
export function lossObservation(gap: Gap, reason: string, time: number, extra: Record<string, unknown> = {}): KmsgObservation {
  return { type: 'EVENTS_LOST', time, data: { lost: gap.lost, firstMissingSeq: gap.from, lastMissingSeq: gap.to, reason, ...extra } };
}

function toObservation(line: Classified, time: number): KmsgObservation {
  const obs: KmsgObservation = { type: line.type, time, data: line.data };
  if (line.mount) obs.mount = line.mount;
  if (line.severity) obs.severity = line.severity;
  return obs;
}
