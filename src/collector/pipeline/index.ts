/**
 * @module collector/pipeline
 * The one ordered stream of a node. Every observation is gathered (mount identity), folded with
 * other reports of the same fault when correlation is on (correlate.ts), given the next sequence
 * number, applied to the per-mount health, appended to the journal, and only then
 * published to subscribers, so nothing a subscriber saw can be missing after a crash. Events are
 * written in batches: everything accepted in one turn of the event loop is one journal write.
 */
import type { Logger } from 'pino';
import type { Journal } from '../journal/index.ts';
import type { Gatherer } from '../gatherer.ts';
import type { FsEvent, MountState, MountTableView, Observation, SpaceStore } from '../types.ts';
import { applyEvent, initialHealth, isRepeat, mountState, type MountHealth } from './mount-health.ts';
import { Correlator, type CorrelationConfig } from './correlate.ts';
import type { Gathered } from '../gatherer.ts';

/** What the pipeline needs. */
export interface PipelineOptions {
  node: string;
  journal: Journal;
  gatherer: Gatherer;
  mounts: MountTableView;
  log: Logger;
  /** Log one info line per event (changeable with setLogEvents). */
  logEvents: boolean;
  now: () => number;
  /** Latest statfs results per filesystem, merged into the mount state (absent: none). */
  space?: SpaceStore;
  /** Fold one fault reported by several sources or many times into few events (absent: never). */
  correlation?: CorrelationConfig;
}

/** Receives each published batch, in sequence order; must not block. */
export type EventListener = (events: readonly FsEvent[]) => void;

/** Sequencing, state and journaling of events. */
export class Pipeline {
  readonly #options: PipelineOptions;
  readonly #health = new Map<number, MountHealth>();
  readonly #listeners = new Set<EventListener>();
  readonly #startedAt: string;
  #nextSeq: number;
  #pending: FsEvent[] = [];
  #flushScheduled = false;
  #journalErrors = 0;
  #closed = false;
  #logEvents: boolean;
  readonly #correlator: Correlator | undefined;
  #correlationTimer: NodeJS.Timeout | undefined;

  constructor(options: PipelineOptions) {
    this.#options = options;
    if (options.correlation) this.#correlator = new Correlator(options.correlation, (item) => this.#sequence(item));
    this.#logEvents = options.logEvents;
    this.#nextSeq = options.journal.lastSeq + 1;
    this.#startedAt = new Date(options.now()).toISOString();
    // Health of a mount that went away is dropped, so the map stays bounded by the live mounts.
    options.mounts.onChange((changes) => {
      for (const change of changes) if (change.kind === 'removed') this.#health.delete(change.before.mountId);
    });
  }

  /** Takes one observation; it is published on the next flush. */
  accept(obs: Observation): void {
    if (this.#closed) return;
    const { event: gathered, mountIds } = this.#options.gatherer.gather(obs);
    // Two sources seeing one outage (kernel log and statfs probe) make one transition, not two.
    if (mountIds.length > 0 && mountIds.every((id) => isRepeat(this.#healthOf(id), obs.type, obs.data, obs.source))) return;
    if (!this.#correlator) return void this.#sequence({ event: gathered, mountIds });
    this.#correlator.offer({ event: gathered, mountIds }, this.#options.now());
    this.#scheduleCorrelation();
  }

  /** Changes the correlation windows (config reload); faults already open keep their start. */
  setCorrelation(config: CorrelationConfig): void {
    this.#correlator?.setConfig(config);
  }

  /** Gives a gathered event its seq, applies it to the mounts' health and queues it for the journal. */
  #sequence({ event: gathered, mountIds }: Gathered): number {
    const event: FsEvent = { seq: this.#nextSeq++, node: this.#options.node, ...gathered };
    // A UMOUNT concerns a mount already gone from the table; it has no health left to update.
    for (const id of mountIds) if (this.#options.mounts.byId(id)) applyEvent(this.#healthOf(id), event);
    this.#pending.push(event);
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.flush());
    }
    return event.seq;
  }

  /** One timer for the correlator's next held event or follow-up. */
  #scheduleCorrelation(): void {
    clearTimeout(this.#correlationTimer);
    const due = this.#correlator?.nextDue;
    if (due === undefined || this.#closed) return;
    this.#correlationTimer = setTimeout(() => {
      this.#correlator!.due(this.#options.now());
      this.#scheduleCorrelation();
    }, Math.max(0, due - this.#options.now()));
    this.#correlationTimer.unref();
  }

  /** Journals and publishes everything pending now. */
  flush(): void {
    this.#flushScheduled = false;
    if (this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    try {
      this.#options.journal.append(batch);
    } catch (err) {
      // Live subscribers still get the events; history and restart-resume will miss them.
      this.#journalErrors += batch.length;
      this.#options.log.error({ err, events: batch.length }, 'Journal write failed; events published but not stored');
    }
    for (const listener of this.#listeners) {
      try {
        listener(batch);
      } catch (err) {
        this.#options.log.error({ err }, 'Event listener failed');
      }
    }
    // Logged after the listeners: subscribers should not wait for the log's serialisation.
    if (this.#logEvents) for (const event of batch) this.#logEvent(event);
  }

  /** Subscribes to published batches; returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Turns the one-line-per-event log on or off (config reload). */
  setLogEvents(on: boolean): void {
    this.#logEvents = on;
  }

  /** Sequence number of the last accepted event (0 when none ever). */
  get lastSeq(): number {
    return this.#nextSeq - 1;
  }

  /** Events that could not be journaled since start. */
  get journalErrors(): number {
    return this.#journalErrors;
  }

  /** Current state of every mount, in mount-table order. */
  mountStates(): MountState[] {
    return this.#options.mounts.all().map((entry) => mountState(entry, this.#healthOf(entry.mountId), this.#options.space?.get(entry.major, entry.minor)));
  }

  /** Current state of one mount. */
  mountStateById(mountId: number): MountState | undefined {
    const entry = this.#options.mounts.byId(mountId);
    return entry ? mountState(entry, this.#healthOf(mountId), this.#options.space?.get(entry.major, entry.minor)) : undefined;
  }

  /** Flushes what is pending and refuses further input; idempotent. */
  close(): void {
    if (this.#closed) return;
    // Held and folded reports are published, not dropped, before the last flush.
    clearTimeout(this.#correlationTimer);
    this.#correlator?.drain();
    this.flush();
    this.#closed = true;
    this.#listeners.clear();
  }

  #healthOf(mountId: number): MountHealth {
    let health = this.#health.get(mountId);
    if (!health) {
      health = initialHealth(this.#startedAt);
      this.#health.set(mountId, health);
    }
    return health;
  }

  #logEvent(event: FsEvent): void {
    const { seq, type, severity, mountpoint, device, fstype, sources, count, data } = event;
    this.#options.log.info({ seq, type, severity, mountpoint, device, fstype, sources, count, data }, `Event ${type}${mountpoint ? ` on ${mountpoint}` : ''}`);
  }
}
