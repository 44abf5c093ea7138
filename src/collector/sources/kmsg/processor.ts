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
import { parseRecord, splitRecords, type KmsgRecord } from './parse.ts';
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
   * Processes whole records as /dev/kmsg returns them ("PRI,SEQ,USEC,FLAGS;text\n"…). With
   * `history`, records only advance the sequence (the ring's backlog at a first start: reading it
   * rather than seeking past it gives the sequence a base, so that even the first records lost
   * after the start show as a gap).
   */
  chunk(text: string, now: number, history = false): ChunkResult {
    const observations: KmsgObservation[] = [];
    let lost: Gap | undefined;
    for (const raw of splitRecords(text)) {
      const record = parseRecord(raw);
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
      if (history) this.stats.history += 1;
      else observations.push(...this.record(record, now));
    }
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
