/**
 * @module rules/queue
 * The actions waiting to run and the ones running. Bounded (`maxPending`; beyond it a new action
 * is dropped and reported), at most `concurrency` running at once, and the actions of one chain
 * (one rule instance) strictly one at a time in the order they were queued, so an undo never
 * overtakes or overlaps its fire. Every change is journaled through `persist`: an action is
 * recorded as running before it starts and removed once it ended, before the next of its chain
 * starts. A retryable failure is tried again with backoff, keeping its chain's place.
 */
import type { Logger } from 'pino';
import type { ActionSlot } from './parse.ts';
import type { PendingRecord } from './state-file.ts';
import type { ActionResult } from './types.ts';

/** Attempts of an action whose failures are retryable (the first run included). */
const MAX_ATTEMPTS = 3;
/** Backoff before the second attempt; doubles after each, up to the cap. */
const RETRY_BASE_MS = 1000;
const RETRY_CAP_MS = 30_000;

/** What a finished (or dropped) action reports. */
export interface FinishedRun {
  record: PendingRecord;
  /** Undefined when the action was dropped (queue full, rule gone, interrupted and not idempotent). */
  result: ActionResult | undefined;
  durationMs: number;
}

/** What the queue needs from the engine. */
export interface QueueOptions {
  concurrency: number;
  maxPending: number;
  stopGraceMs: number;
  dryRun: boolean;
  log: Logger;
  now: () => number;
  /** The action a record names in the rules in force, or undefined when it is gone. */
  resolve(record: PendingRecord): ActionSlot | undefined;
  /** Journals the current state; resolves when it is on disk. */
  persist(): Promise<void>;
  /** Called once per action that ended or was dropped. */
  finished(run: FinishedRun): void;
}

/** Fields of a new record (the queue assigns id, status and attempts). */
export type NewAction = Omit<PendingRecord, 'id' | 'status' | 'attempts' | 'enqueuedAt'>;

/** The action queue. */
export class ActionQueue {
  readonly #options: QueueOptions;
  #pending: PendingRecord[] = [];
  /** Chains with an action running, waiting to retry, or whose end is not yet journaled. */
  readonly #busy = new Set<string>();
  readonly #running = new Map<number, { abort: AbortController; done: Promise<void> }>();
  readonly #retryTimers = new Set<NodeJS.Timeout>();
  #nextId = 1;
  #stopped = false;
  #pumpQueued = false;
  #idleWaiters: Array<() => void> = [];

  constructor(options: QueueOptions) {
    this.#options = options;
  }

  /** Next id to assign (journaled). */
  get nextId(): number {
    return this.#nextId;
  }

  /** Every pending record, oldest first (journaled, shown by the API). */
  list(): readonly PendingRecord[] {
    return this.#pending;
  }

  /** Queues an action; false when the queue is full (the action is reported dropped). */
  enqueue(fields: NewAction): boolean {
    const record: PendingRecord = { ...fields, id: this.#nextId++, status: 'queued', attempts: 0, enqueuedAt: this.#options.now() };
    if (this.#stopped || this.#pending.length >= this.#options.maxPending) {
      this.#options.finished({ record, result: undefined, durationMs: 0 });
      return false;
    }
    this.#pending.push(record);
    // Once the current evaluation is done, so that one journal write holds every action it
    // queued before any of them starts (a crash then loses none of them, starts none twice).
    if (!this.#pumpQueued) {
      this.#pumpQueued = true;
      queueMicrotask(() => {
        this.#pumpQueued = false;
        if (!this.#pump()) void this.#persist();
      });
    }
    return true;
  }

  /** Takes over journaled records after a restart; a run cut short is repeated only when idempotent. */
  restore(records: readonly PendingRecord[], nextId: number): void {
    this.#nextId = Math.max(this.#nextId, nextId);
    for (const record of records) {
      const slot = this.#options.resolve(record);
      const interrupted = record.status === 'running';
      if (!slot || (interrupted && !slot.action.idempotent)) {
        const why = slot ? 'its run was interrupted by a restart and it is not idempotent' : 'its rule or action is no longer configured';
        this.#options.log.warn({ rule: record.rule, action: record.actionType, phase: record.phase, key: record.key }, `Pending action not run: ${why}`);
        this.#options.finished({ record, result: undefined, durationMs: 0 });
        continue;
      }
      this.#pending.push({ ...record, status: 'queued' });
    }
    this.#pending.sort((a, b) => a.id - b.id);
    this.#pump();
  }

  /** Removes queued (not running) actions the predicate selects; returns how many. */
  cancel(select: (record: PendingRecord) => boolean): number {
    const before = this.#pending.length;
    this.#pending = this.#pending.filter((r) => r.status !== 'queued' || !select(r));
    return before - this.#pending.length;
  }

  /** Resolves when nothing is pending or running and every end is journaled. */
  idle(): Promise<void> {
    if (this.#pending.length === 0 && this.#busy.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Starts nothing more; waits up to stopGraceMs for running actions, then aborts them. Queued ones stay journaled. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#retryTimers) clearTimeout(timer);
    this.#retryTimers.clear();
    const running = [...this.#running.values()];
    const grace = new Promise<void>((resolve) => setTimeout(resolve, this.#options.stopGraceMs).unref());
    await Promise.race([Promise.all(running.map((r) => r.done)), grace]);
    for (const run of running) run.abort.abort(new Error('fsevd is stopping'));
    await Promise.all(running.map((r) => r.done));
  }

  /** Starts what may start; returns whether anything did. */
  #pump(): boolean {
    if (this.#stopped) return false;
    const heads = new Set<string>();
    const starting: PendingRecord[] = [];
    for (const record of this.#pending) {
      if (this.#running.size + starting.length >= this.#options.concurrency) break;
      if (heads.has(record.chain)) continue;
      heads.add(record.chain);
      if (record.status !== 'queued' || this.#busy.has(record.chain)) continue;
      this.#busy.add(record.chain);
      record.status = 'running';
      record.attempts += 1;
      starting.push(record);
    }
    // One journal write records all of them as running (and whatever was queued with them).
    const journaled = starting.length > 0 ? this.#persist() : Promise.resolve();
    for (const record of starting) {
      const abort = new AbortController();
      const done = this.#run(record, abort.signal, journaled).finally(() => this.#running.delete(record.id));
      this.#running.set(record.id, { abort, done });
    }
    if (this.#pending.length === 0 && this.#busy.size === 0) for (const wake of this.#idleWaiters.splice(0)) wake();
    return starting.length > 0;
  }

  #persist(): Promise<void> {
    return this.#options.persist().catch((err: unknown) => this.#options.log.error({ err }, 'Cannot journal the rules state'));
  }

  async #run(record: PendingRecord, signal: AbortSignal, journaled: Promise<void>): Promise<void> {
    const { log } = this.#options;
    const slot = this.#options.resolve(record);
    // A run that must not be repeated starts only once the journal says it is running: after a
    // crash it is then reported, not run again. An idempotent one need not wait for the disk.
    if (!slot?.action.idempotent) await journaled;
    let result: ActionResult | undefined;
    const started = performance.now();
    if (slot && !this.#stopped) {
      const request = { phase: record.phase, rule: record.rule, key: record.key, event: record.event, node: record.node, reason: record.reason, dryRun: this.#options.dryRun, signal };
      result = await slot.action.run(request).catch((err: unknown): ActionResult => ({ outcome: 'failed', detail: `action threw: ${(err as Error).message}` }));
    }
    const durationMs = performance.now() - started;
    const retry = result?.outcome === 'failed' && result.retryable === true && record.attempts < MAX_ATTEMPTS && !this.#stopped;
    if (retry) {
      record.status = 'waiting';
      const delay = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** (record.attempts - 1));
      log.warn({ rule: record.rule, action: record.actionType, phase: record.phase, key: record.key, attempt: record.attempts, retryInMs: delay, detail: result?.detail }, 'Action failed; retrying');
      const timer = setTimeout(() => {
        this.#retryTimers.delete(timer);
        record.status = 'queued';
        this.#busy.delete(record.chain);
        this.#pump();
      }, delay);
      this.#retryTimers.add(timer);
    } else if (this.#stopped && (!result || signal.aborted)) {
      // Not started, or cut short, because the daemon is stopping: it stays in the journal, and
      // the next start runs it (a cut-short one only when idempotent, as after a crash).
      record.status = result ? 'running' : 'queued';
    } else {
      this.#pending = this.#pending.filter((r) => r !== record);
    }
    if (!this.#stopped || (result && !signal.aborted)) this.#options.finished({ record, result, durationMs });
    // Its slot is free at once: another chain's action may start, and the write that records this
    // end records that start too (a burst of quick actions then costs a few writes, not one or two
    // per action). The promise's own cleanup comes later.
    this.#running.delete(record.id);
    const ended = this.#persist();
    this.#pump();
    // Recorded as done before the next action of its chain starts.
    await ended;
    if (!retry) this.#busy.delete(record.chain);
    this.#pump();
  }
}
