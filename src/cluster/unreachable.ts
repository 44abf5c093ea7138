/**
 * @module cluster/unreachable
 * The cluster-only rule for nodes whose fsevd cannot be heard: once a node's stream has been down
 * for unreachable.afterSeconds it is reported (a warning in the log, the API's node list, the
 * fsevd_cluster_node_unreachable metric) and, with unreachable.drain, drained by the configured
 * actions. It is never resumed by this rule: a node that comes back is reported reachable, and its
 * drain stays until a person (or a drain action with the same ownership prefix undone by another
 * rule) lifts it. Give these actions their own reasonPrefix so that mount rules never undo them.
 *
 * The actions get a synthetic event of type NODE_UNREACHABLE (source `cluster`; data.address,
 * data.seconds, data.lastError), which only the cluster subscriber makes.
 */
import type { Logger } from 'pino';
import { eventRegistry } from '../collector/events.ts';
import type { FsEvent } from '../collector/types.ts';
import type { ActionSlot } from '../rules/parse.ts';
import type { ActionResult } from '../rules/types.ts';
import type { FollowerState } from './follower.ts';

/** Rule name under which unreachability actions run (logs, API). */
export const UNREACHABLE_RULE = 'cluster-unreachable';

/** How the watch is set up. */
export interface UnreachableOptions {
  afterMs: number;
  /** Drain actions; empty: report only. */
  actions: readonly ActionSlot[];
  /** Reason template: {seconds}, {address}. */
  reason: string;
  dryRun: boolean;
  followers: () => FollowerState[];
  log: Logger;
  now: () => number;
  /** Each finished drain (metrics). */
  onDrain?: (outcome: ActionResult['outcome']) => void;
}

/** One node found unreachable, as the API shows it. */
export interface UnreachableView {
  address: string;
  schedulerName: string;
  since: string;
  reported: string;
  /** Outcome of each drain action ("done: …", "skipped: …"), once run. */
  drain: string[];
}

/** Longest check period: reports come at most this late after afterSeconds. */
const CHECK_MS = 1000;

/** Watches followers for unreachability. */
export class UnreachableWatch {
  readonly #options: UnreachableOptions;
  readonly #current = new Map<string, UnreachableView>();
  readonly #abort = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  readonly #running = new Set<Promise<void>>();
  /** Totals for the metrics. */
  readonly totals = { reported: 0 };

  constructor(options: UnreachableOptions) {
    this.#options = options;
  }

  /** Starts checking. */
  start(): void {
    this.#timer = setInterval(() => this.check(), Math.min(CHECK_MS, Math.max(50, this.#options.afterMs / 4)));
    this.#timer.unref();
  }

  /** Stops checking and aborts drains in progress; idempotent. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#abort.abort();
    await Promise.all(this.#running);
  }

  /** The nodes unreachable now. */
  list(): UnreachableView[] {
    return [...this.#current.values()];
  }

  /** Whether a node (by address) is reported unreachable now. */
  has(address: string): boolean {
    return this.#current.has(address);
  }

  /** One pass over the followers (also run by the timer). */
  check(): void {
    const now = this.#options.now();
    const seen = new Set<string>();
    for (const state of this.#options.followers()) {
      seen.add(state.address);
      const known = this.#current.get(state.address);
      if (state.connected) {
        if (known) {
          this.#current.delete(state.address);
          this.#options.log.info({ address: state.address, node: state.schedulerName }, 'Node reachable again; a drain for its unreachability is left as it is');
        }
      } else if (!known && now - state.since >= this.#options.afterMs) this.#report(state, now);
    }
    for (const address of this.#current.keys()) if (!seen.has(address)) this.#current.delete(address);
  }

  #report(state: FollowerState, now: number): void {
    const seconds = Math.round((now - state.since) / 1000);
    const view: UnreachableView = { address: state.address, schedulerName: state.schedulerName, since: new Date(state.since).toISOString(), reported: new Date(now).toISOString(), drain: [] };
    this.#current.set(state.address, view);
    this.totals.reported++;
    this.#options.log.warn({ address: state.address, node: state.schedulerName, seconds, lastError: state.lastError, drain: this.#options.actions.length > 0 }, 'Node unreachable');
    if (this.#options.actions.length === 0) return;
    const reason = this.#options.reason.replaceAll('{seconds}', String(seconds)).replaceAll('{address}', state.address);
    const event = syntheticEvent(state, seconds, now);
    const run = (async () => {
      for (const slot of this.#options.actions) {
        if (this.#abort.signal.aborted) return;
        const request = { phase: 'fire' as const, rule: UNREACHABLE_RULE, key: `${UNREACHABLE_RULE}/${state.schedulerName}`, event, node: state.schedulerName, reason, dryRun: this.#options.dryRun, signal: this.#abort.signal };
        const result = await slot.action.run(request).catch((err: unknown): ActionResult => ({ outcome: 'failed', detail: `action threw: ${(err as Error).message}` }));
        view.drain.push(`${slot.type} ${result.outcome}: ${result.detail}`);
        this.#options.onDrain?.(result.outcome);
        this.#options.log[result.outcome === 'failed' ? 'warn' : 'info']({ address: state.address, node: state.schedulerName, action: slot.type, outcome: result.outcome, detail: result.detail }, 'Unreachable node drain');
      }
    })();
    this.#running.add(run);
    void run.finally(() => this.#running.delete(run));
  }
}

function syntheticEvent(state: FollowerState, seconds: number, now: number): FsEvent {
  const spec = eventRegistry.NODE_UNREACHABLE;
  return {
    seq: 0, time: new Date(now).toISOString(), node: state.fsevdNode ?? state.schedulerName, type: 'NODE_UNREACHABLE', code: spec.code, class: spec.class,
    severity: spec.severity, transient: spec.transient, sources: ['cluster'], count: 1, data: { address: state.address, seconds, lastError: state.lastError ?? null },
  };
}
