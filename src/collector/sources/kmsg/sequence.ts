/**
 * @module collector/sources/kmsg/sequence
 * Pure: loss accounting by record sequence numbers. /dev/kmsg numbers every record; a reader
 * that skips numbers lost those records, whatever the cause (the ring overran it: EPIPE; the
 * batch queue to JS was full; the daemon was down longer than the ring holds). One rule covers
 * them all, so no loss goes uncounted.
 */

/** What a run of records lost. */
export interface Gap {
  /** Records missing. */
  lost: number;
  /** First and last missing sequence numbers. */
  from: number;
  to: number;
}

/** Tracks the next expected sequence number. */
export class SequenceTracker {
  #expected: number;

  /** `expected`: the next sequence number to see, or -1 when the first record sets it. */
  constructor(expected = -1) {
    this.#expected = expected;
  }

  /**
   * Accounts one record: the gap before it (undefined when contiguous), and whether it is new
   * (false for a record at or below one already seen, e.g. the ring replayed after a resume).
   */
  advance(seq: number): { isNew: boolean; gap?: Gap } {
    if (this.#expected >= 0 && seq < this.#expected) return { isNew: false };
    const gap = this.#expected >= 0 && seq > this.#expected ? { lost: seq - this.#expected, from: this.#expected, to: seq - 1 } : undefined;
    this.#expected = seq + 1;
    return gap ? { isNew: true, gap } : { isNew: true };
  }

  /** Sequence number of the last record seen; -1 before any. */
  get lastSeq(): number {
    return this.#expected - 1;
  }
}
