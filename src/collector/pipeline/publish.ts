/**
 * @module collector/pipeline/publish
 * The pipeline's last step: journal each batch, then hand it to listeners, in sequence order.
 * Journal first, so that nothing a listener saw can be missing (or have its seq reused) after a
 * crash. Subscribers (streams, rules, in-process listeners) get the batch at once; deferred
 * listeners (bookkeeping that no one waits for: metrics counters, the daemon's "look again" at
 * other sources) and the one-line-per-event log get it when the pipeline ends its turn (drain()),
 * so a subscriber never waits for them.
 */
import type { Logger } from 'pino';
import type { Journal } from '../journal/index.ts';
import type { FsEvent } from '../types.ts';

/** Receives each published batch, in sequence order; must not block. */
export type EventListener = (events: readonly FsEvent[]) => void;

/** How a listener wants its batches. */
export interface SubscribeOptions {
  /** At the end of the pipeline's turn, after every subscriber and journal write (default: at once). */
  deferred?: boolean;
}

/** What the publisher needs. */
export interface PublisherOptions {
  journal: Journal;
  log: Logger;
  /** Log one info line per event. */
  logEvents: boolean;
}

/** Journals batches and hands them to listeners. */
export class Publisher {
  readonly #journal: Journal;
  readonly #log: Logger;
  readonly #listeners = new Set<EventListener>();
  readonly #deferred = new Set<EventListener>();
  /** Batches published since the last drain(), for the deferred listeners and the log. */
  #undrained: Array<readonly FsEvent[]> = [];
  #journalErrors = 0;
  /** Log one info line per event (changeable at run time: config reload). */
  logEvents: boolean;

  constructor(options: PublisherOptions) {
    this.#journal = options.journal;
    this.#log = options.log;
    this.logEvents = options.logEvents;
  }

  /** Journals `batch`, then gives it to the subscribers; deferred work waits for drain(). */
  publish(batch: readonly FsEvent[]): void {
    try {
      this.#journal.append(batch);
    } catch (err) {
      // Live subscribers still get the events; history and restart-resume will miss them.
      this.#journalErrors += batch.length;
      this.#log.error({ err, events: batch.length }, 'Journal write failed; events published but not stored');
    }
    this.#call(this.#listeners, batch);
    if (this.#deferred.size > 0 || this.logEvents) this.#undrained.push(batch);
  }

  /** Gives the batches published since the last drain to the deferred listeners and the log. */
  drain(): void {
    const batches = this.#undrained;
    if (batches.length === 0) return;
    this.#undrained = [];
    for (const batch of batches) {
      this.#call(this.#deferred, batch);
      if (this.logEvents) for (const event of batch) this.#logEvent(event);
    }
  }

  /** Adds a listener; returns the function that removes it. */
  subscribe(listener: EventListener, options: SubscribeOptions = {}): () => void {
    const set = options.deferred ? this.#deferred : this.#listeners;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Removes every listener (the pipeline closed). */
  clear(): void {
    this.#listeners.clear();
    this.#deferred.clear();
  }

  /** Events that could not be journaled since start. */
  get journalErrors(): number {
    return this.#journalErrors;
  }

  #call(listeners: ReadonlySet<EventListener>, batch: readonly FsEvent[]): void {
    for (const listener of listeners) {
      try {
        listener(batch);
      } catch (err) {
        this.#log.error({ err }, 'Event listener failed');
      }
    }
  }

  #logEvent({ seq, type, severity, mountpoint, device, fstype, sources, count, data }: FsEvent): void {
    this.#log.info({ seq, type, severity, mountpoint, device, fstype, sources, count, data }, `Event ${type}${mountpoint ? ` on ${mountpoint}` : ''}`);
  }
}
