/**
 * @module collector/journal/cache
 * The most recent journal records in memory, so that readers that keep up (the WebSocket fan-out,
 * rule replays after a short gap) never touch the disk. A ring of fixed capacity, per journal.
 */
import type { FsEvent } from '../types.ts';

/** A bounded suffix of the journal: every record with seq > floor is held here, in seq order. */
export class RecentEvents {
  /**
   * Every journal record with seq > floor is in the cache; records at or below it must be read
   * from disk. Rises as old entries are evicted.
   */
  floor: number;
  private readonly ring: (FsEvent | undefined)[];
  private head = 0;
  private length = 0;

  constructor(readonly capacity: number, floor: number) {
    this.ring = new Array<FsEvent | undefined>(capacity);
    this.floor = floor;
  }

  /** Number of events held. */
  get size(): number {
    return this.length;
  }

  /** Adds the newest record (seq above all held), evicting the oldest when full. */
  push(event: FsEvent): void {
    if (this.capacity === 0) {
      this.floor = event.seq;
      return;
    }
    if (this.length === this.capacity) this.evictOldest();
    this.ring[(this.head + this.length) % this.capacity] = event;
    this.length++;
  }

  /** Forgets records with seq < `seq` (retention removed them from disk). */
  dropBelow(seq: number): void {
    while (this.length > 0 && this.at(0).seq < seq) this.evictOldest();
    this.floor = Math.max(this.floor, seq - 1);
  }

  /** Appends to `out` the held records with seq > since that pass `filter`, until out has `limit`. */
  collect(since: number, limit: number, filter: ((e: FsEvent) => boolean) | undefined, out: FsEvent[]): void {
    for (let i = this.firstAfter(since); i < this.length && out.length < limit; i++) {
      const event = this.at(i);
      if (!filter || filter(event)) out.push(event);
    }
  }

  /** Index of the first held record with seq > since (binary search; seqs are increasing). */
  private firstAfter(since: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.at(mid).seq <= since) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private at(index: number): FsEvent {
    return this.ring[(this.head + index) % this.capacity]!;
  }

  private evictOldest(): void {
    const oldest = this.at(0);
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.length--;
    this.floor = oldest.seq;
  }
}
