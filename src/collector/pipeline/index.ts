/**
 * @module collector/pipeline
 * The one ordered stream of a node. Every observation is gathered (mount identity), folded with
 * other reports of the same fault when correlation is on (correlate.ts), given the next sequence
 * number, applied to the per-mount health, appended to the journal, and only then published to
 * subscribers (publish.ts), so nothing a subscriber saw can be missing after a crash.
 *
 * Latency and batching: the first event of a turn of the event loop is journaled and published
 * before accept() returns, with no hop through the loop (faults are rare, so this is the usual
 * case, and the one whose latency fsevd promises). Whatever follows in the same turn (the rest of
 * a flood) is one batch, one journal write, at the end of the turn (setImmediate), which is also
 * when deferred listeners and the event log lines get their batches and the correlation timer is
 * armed: work that nobody waits for stays off the path of the first event.
 */
import type { Logger } from 'pino';
import type { Journal } from '../journal/index.ts';
import type { Gatherer, Gathered } from '../gatherer.ts';
import type { FsEvent, MountState, MountTableView, Observation, SpaceStore } from '../types.ts';
import { applyEvent, initialHealth, isRepeat, mountState, type MountHealth } from './mount-health.ts';
import { Correlator, type CorrelationConfig } from './correlate.ts';
import { Publisher, type EventListener, type SubscribeOptions } from './publish.ts';

export type { EventListener, SubscribeOptions } from './publish.ts';

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

/** Sequencing, state and journaling of events. */
export class Pipeline {
  readonly #options: PipelineOptions;
  readonly #publisher: Publisher;
  readonly #health = new Map<number, MountHealth>();
  readonly #startedAt: string;
  readonly #correlator: Correlator | undefined;
  #nextSeq: number;
  #pending: FsEvent[] = [];
  /** A setImmediate for the end of this turn is queued (see #endTurn). */
  #turnEndQueued = false;
  /** This turn already published an event at once; later ones wait for the end of the turn. */
  #publishedThisTurn = false;
  /** The correlator took a report this turn: its timer is looked at again at the end of the turn. */
  #correlationChanged = false;
  #correlationTimer: NodeJS.Timeout | undefined;
  /** When the correlation timer fires (ms); undefined when it is not armed. */
  #correlationDueAt: number | undefined;
  #closed = false;

  constructor(options: PipelineOptions) {
    this.#options = options;
    this.#publisher = new Publisher({ journal: options.journal, log: options.log, logEvents: options.logEvents });
    if (options.correlation) this.#correlator = new Correlator(options.correlation, (item) => this.#sequence(item));
    this.#nextSeq = options.journal.lastSeq + 1;
    this.#startedAt = new Date(options.now()).toISOString();
    // Health of a mount that went away is dropped, so the map stays bounded by the live mounts.
    options.mounts.onChange((changes) => {
      for (const change of changes) if (change.kind === 'removed') this.#health.delete(change.before.mountId);
    });
  }

  /**
   * Takes one observation. The first event of a turn is journaled and published before this
   * returns; later ones at the end of the turn (see the module comment).
   */
  accept(obs: Observation): void {
    if (this.#closed) return;
    const gathered = this.#options.gatherer.gather(obs);
    // Two sources seeing one outage (kernel log and statfs probe) make one transition, not two.
    if (this.#repeatsAvailability(obs, gathered.mountIds)) return;
    if (this.#correlator) {
      this.#correlator.offer(gathered, this.#options.now());
      this.#correlationChanged = true;
    } else {
      this.#sequence(gathered);
    }
    if (this.#pending.length > 0 && !this.#publishedThisTurn) {
      this.#publishedThisTurn = true;
      this.flush();
    }
    this.#queueTurnEnd();
  }

  /**
   * Runs `obs` through every step an observation takes up to the listeners — gathering,
   * correlation (a throw-away correlator), sequencing (seq 0, none taken), mount state
   * (throw-away health), the journal record (written to /dev/null) — and publishes nothing. The
   * daemon does this once at start: V8 compiles a function on its first call and builds its inline
   * caches on its first runs, which the first fault after start paid for (its latency, from the
   * kernel to a subscriber, was a median 3.3 ms without the rehearsals and 2.5 ms with them; the
   * errors after it ~0.6 ms).
   */
  rehearse(obs: Observation): void {
    const gathered = this.#options.gatherer.gather(obs);
    const settle = ({ event }: Gathered) => {
      const rehearsed = sequenced(0, this.#options.node, event);
      applyEvent(initialHealth(this.#startedAt), rehearsed);
      this.#options.journal.rehearse(rehearsed);
      return 0;
    };
    if (this.#options.correlation) new Correlator(this.#options.correlation, settle).offer(gathered, this.#options.now());
    else settle(gathered);
  }

  /** Changes the correlation windows (config reload); faults already open keep their start. */
  setCorrelation(config: CorrelationConfig): void {
    this.#correlator?.setConfig(config);
  }

  /** Journals and publishes everything pending now (deferred listeners and log lines follow at the end of the turn). */
  flush(): void {
    if (this.#pending.length === 0) return;
    const batch = this.#pending;
    this.#pending = [];
    this.#publisher.publish(batch);
  }

  /** Subscribes to published batches (at once, or deferred to the end of the turn); returns the unsubscribe function. */
  subscribe(listener: EventListener, options?: SubscribeOptions): () => void {
    return this.#publisher.subscribe(listener, options);
  }

  /** Turns the one-line-per-event log on or off (config reload). */
  setLogEvents(on: boolean): void {
    this.#publisher.logEvents = on;
  }

  /** Sequence number of the last accepted event (0 when none ever). */
  get lastSeq(): number {
    return this.#nextSeq - 1;
  }

  /** Events that could not be journaled since start. */
  get journalErrors(): number {
    return this.#publisher.journalErrors;
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
    this.#publisher.drain();
    this.#closed = true;
    this.#publisher.clear();
  }

  /** True when an availability report only repeats what every mount it concerns already shows. */
  #repeatsAvailability(obs: Observation, mountIds: readonly number[]): boolean {
    if ((obs.type !== 'FS_AVAILABLE' && obs.type !== 'FS_UNAVAILABLE') || mountIds.length === 0) return false;
    for (const id of mountIds) if (!isRepeat(this.#healthOf(id), obs.type, obs.data, obs.source)) return false;
    return true;
  }

  /** Gives a gathered event its seq, applies it to the mounts' health and queues it for the journal. */
  #sequence({ event: gathered, mountIds }: Gathered): number {
    const event = sequenced(this.#nextSeq++, this.#options.node, gathered);
    // A UMOUNT concerns a mount already gone from the table; it has no health left to update.
    for (const id of mountIds) if (this.#options.mounts.byId(id)) applyEvent(this.#healthOf(id), event);
    this.#pending.push(event);
    return event.seq;
  }

  #queueTurnEnd(): void {
    if (this.#turnEndQueued || this.#closed) return;
    this.#turnEndQueued = true;
    setImmediate(() => this.#endTurn());
  }

  /** End of a turn: the events that came after its first one, the correlation timer, then deferred listeners and log lines. */
  #endTurn(): void {
    this.#turnEndQueued = false;
    this.#publishedThisTurn = false;
    this.flush();
    if (this.#correlationChanged) {
      this.#correlationChanged = false;
      this.#scheduleCorrelation();
    }
    this.#publisher.drain();
  }

  /**
   * One timer for the correlator's next held event or follow-up. It is re-armed only when the
   * next due time moves earlier: each report of an open fault pushes its end later, and a timer
   * that fires early finds nothing due and re-arms (cheaper than a clear and a set per report).
   */
  #scheduleCorrelation(): void {
    const due = this.#correlator?.nextDue;
    if (due === undefined || this.#closed) return;
    if (this.#correlationDueAt !== undefined && this.#correlationDueAt <= due) return;
    clearTimeout(this.#correlationTimer);
    this.#correlationDueAt = due;
    this.#correlationTimer = setTimeout(() => {
      this.#correlationDueAt = undefined;
      this.#correlator!.due(this.#options.now());
      if (this.#pending.length > 0) {
        this.flush();
        this.#queueTurnEnd();
      }
      this.#scheduleCorrelation();
    }, Math.max(0, due - this.#options.now()));
    this.#correlationTimer.unref();
  }

  #healthOf(mountId: number): MountHealth {
    let health = this.#health.get(mountId);
    if (!health) {
      health = initialHealth(this.#startedAt);
      this.#health.set(mountId, health);
    }
    return health;
  }
}

/**
 * The published form of a gathered event, field by field in a fixed order (the order of its JSON
 * everywhere): a spread here costs several times more, on the path of every event.
 */
function sequenced(seq: number, node: string, g: Gathered['event']): FsEvent {
  const event: FsEvent = { seq, node, time: g.time, type: g.type, code: g.code, class: g.class, severity: g.severity, transient: g.transient, sources: g.sources, count: g.count, data: g.data };
  if (g.mountpoint !== undefined) event.mountpoint = g.mountpoint;
  if (g.device !== undefined) event.device = g.device;
  if (g.fstype !== undefined) event.fstype = g.fstype;
  if (g.major !== undefined) event.major = g.major;
  if (g.minor !== undefined) event.minor = g.minor;
  if (g.mountId !== undefined) event.mountId = g.mountId;
  if (g.uuid !== undefined) event.uuid = g.uuid;
  return event;
}
