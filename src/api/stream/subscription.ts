/**
 * @module api/stream/subscription
 * One subscriber's view of the stream: its filter, its bounded queue, its cursor, and the
 * replay-then-live hand-over.
 *
 * The seam without gap or duplicate: the subscription takes live events from the moment it is
 * created, holding them aside while it replays the journal from `since`. Every published event
 * was journaled before it was published, so the journal reads (which start after the subscription
 * exists) and the held-aside live events together cover everything; the replay reads until the
 * journal has nothing newer, then the held events with a seq above the last replayed one follow.
 * If the held-aside events exceed the buffer during a long replay they are dropped and the replay
 * simply reads further: the journal has them too. (Only if a journal write failed, which the
 * pipeline logs, could such a dropped event be missing from both.)
 *
 * Live, the queue holds at most `buffer` events; beyond that, events are counted as lost (tail
 * drop) and a `lost` notice with the count and seq range follows the queued events, so the
 * client knows exactly what it missed and can resume from its cursor.
 */
import type { FsEvent } from '../../collector/types.ts';
import type { EventFilter } from './filter.ts';
import type { Format } from './protocol.ts';

/** Journal records read per replay step; the queue is flushed to the client between steps. */
const REPLAY_PAGE = 500;

/** Something other than an event in a subscriber's queue. */
export type Notice =
  | { notice: 'lost'; count: number; fromSeq: number; toSeq: number; reason: 'overflow' | 'retention' }
  | { notice: 'live'; cursor: number };

/** What a subscriber's queue holds, in the order it is to be sent. */
export type QueueItem = FsEvent | Notice;

/** Where history comes from (the journal, through the API context). */
export interface History {
  events(since: number, limit: number, filter?: (event: FsEvent) => boolean): Promise<FsEvent[]>;
  journalRange(): { firstSeq: number; lastSeq: number };
}

/** The connection a subscription writes through. */
export interface SubscriptionOwner {
  /** Items were queued: flush soon. */
  wake(): void;
  /** Resolves once the queue has been written out and the peer keeps up (paces the replay). */
  room(): Promise<void>;
  /** The replay failed (journal unreadable); the owner reports it and drops the subscription. */
  failed(subscription: Subscription, err: unknown): void;
  /** An event was dropped for this subscriber (its queue was full); counted for /metrics. */
  dropped(): void;
}

/** A subscription's settings. */
export interface SubscriptionOptions {
  id: string;
  filter: EventFilter;
  buffer: number;
  format: Format;
}

/** One subscriber's filter, queue and cursor. */
export class Subscription {
  readonly id: string;
  readonly filter: EventFilter;
  readonly format: Format;
  readonly #buffer: number;
  readonly #owner: SubscriptionOwner;
  #queue: QueueItem[] = [];
  /** Highest seq queued or counted lost; nothing at or below it is queued again. */
  #cursor = 0;
  #overflow: { count: number; fromSeq: number; toSeq: number } | undefined;
  /** Live events held aside during the replay; undefined once live. */
  #heldAside: FsEvent[] | undefined;
  /** Bumped whenever held-aside events are dropped, so the replay knows to read further. */
  #drops = 0;
  #closed = false;

  constructor(options: SubscriptionOptions, owner: SubscriptionOwner) {
    this.id = options.id;
    this.filter = options.filter;
    this.format = options.format;
    this.#buffer = options.buffer;
    this.#owner = owner;
  }

  /**
   * Starts delivery: after `since` from the journal, then live; or, without `since`, live from
   * now. Returns the cursor the client will see events after. A cursor beyond the journal's end
   * means the journal was reset (state dir wiped): the client has seen none of it, so it is
   * replayed from the start.
   */
  start(history: History, since: number | undefined): number {
    const { lastSeq } = history.journalRange();
    if (since === undefined) {
      this.#cursor = lastSeq;
      return lastSeq;
    }
    this.#cursor = since > lastSeq ? 0 : since;
    this.#heldAside = [];
    this.#replay(history).catch((err: unknown) => this.#owner.failed(this, err));
    return this.#cursor;
  }

  /** Whether anything is waiting to be written. */
  get pending(): boolean {
    return this.#queue.length > 0 || this.#overflow !== undefined;
  }

  /** Takes a published batch; returns true when something new waits to be written. */
  offer(batch: readonly FsEvent[]): boolean {
    if (this.#closed) return false;
    let changed = false;
    for (const event of batch) {
      if (!this.filter.all && !this.filter.matches(event)) continue;
      if (this.#heldAside) {
        this.#holdAside(event);
        continue;
      }
      if (event.seq <= this.#cursor) continue;
      this.#cursor = event.seq;
      changed = true;
      if (this.#overflow || this.#queue.length >= this.#buffer) this.#countLost(event.seq);
      else this.#queue.push(event);
    }
    return changed;
  }

  /** Removes and returns everything to write now, ending with the `lost` notice of an overflow. */
  take(): QueueItem[] {
    const items = this.#queue;
    this.#queue = [];
    if (this.#overflow) {
      items.push({ notice: 'lost', ...this.#overflow, reason: 'overflow' });
      this.#overflow = undefined;
    }
    return items;
  }

  /** Stops delivery; a running replay ends at its next step. Idempotent. */
  close(): void {
    this.#closed = true;
    this.#queue = [];
    this.#heldAside = undefined;
  }

  #holdAside(event: FsEvent): void {
    const held = this.#heldAside!;
    held.push(event);
    if (held.length > this.#buffer) {
      this.#heldAside = [];
      this.#drops++;
    }
  }

  #countLost(seq: number): void {
    this.#owner.dropped();
    if (this.#overflow) {
      this.#overflow.count++;
      this.#overflow.toSeq = seq;
    } else this.#overflow = { count: 1, fromSeq: seq, toSeq: seq };
  }

  async #replay(history: History): Promise<void> {
    for (;;) {
      if (this.#closed) return;
      this.#noteRetention(history.journalRange().firstSeq);
      const drops = this.#drops;
      const page = await history.events(this.#cursor, REPLAY_PAGE, this.filter.all ? undefined : this.filter.matches);
      if (this.#closed) return;
      for (const event of page) this.#enqueue(event);
      if (page.length > 0) this.#owner.wake();
      // A short page reached the end of the journal; if nothing held aside was dropped meanwhile,
      // everything newer is held aside.
      if (page.length < REPLAY_PAGE && drops === this.#drops) break;
      await this.#owner.room();
    }
    const held = this.#heldAside ?? [];
    this.#heldAside = undefined;
    for (const event of held) this.#enqueue(event);
    this.#queue.push({ notice: 'live', cursor: this.#cursor });
    this.#owner.wake();
  }

  /** Events below the journal's first seq were deleted by retention: say so once, then skip them. */
  #noteRetention(firstSeq: number): void {
    if (firstSeq <= this.#cursor + 1) return;
    const fromSeq = this.#cursor + 1;
    this.#queue.push({ notice: 'lost', count: firstSeq - fromSeq, fromSeq, toSeq: firstSeq - 1, reason: 'retention' });
    this.#cursor = firstSeq - 1;
  }

  #enqueue(event: FsEvent): void {
    if (event.seq <= this.#cursor) return;
    this.#queue.push(event);
    this.#cursor = event.seq;
  }
}
