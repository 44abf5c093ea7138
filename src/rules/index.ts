/**
 * @module rules
 * The rules engine, a sink of the data flow (pipeline → journal → sinks → rules → actions). It is
 * independent of the Daemon class: the node daemon feeds it its own published batches, and the
 * cluster mode (`fsevd cluster`) feeds it the events of many nodes. Public API:
 *
 * ```ts
 * const rules = await loadRulesFile(path, { actions, log, now });   // ./parse.ts; ConfigError lists every problem
 * const engine = await RulesEngine.open({
 *   rules,                                 // a RuleSet (parseRules / loadRulesFile)
 *   log,                                   // pino; children per action
 *   stateDir,                              // journal dir (rules-state.json); omit for none
 *   settings: engineSettings(config.rules), // concurrency, maxPending, inboxEvents, lossHold, …
 *   dryRun,                                // actions only say what they would do; nothing journaled
 *   now,                                   // ms clock (default Date.now)
 *   health: (node) => ({ sourcesDown, eventsLost }), // per node; undo waits while unhealthy
 *   nodeOf: (event) => schedulerNodeName,  // default event.node
 *   onRunFinished: metrics.hookRunFinished, // one call per finished or dropped action
 * });
 * pipeline.subscribe((batch) => engine.accept(batch)); // returns at once; bounded inbox, drops counted
 * engine.replace(newRules);                 // hot reload: keeps instances of rules that stay
 * engine.status();                          // rules, instances, pending actions, recent runs, counters
 * await engine.idle();                      // inbox and queue empty (tests, benchmarks)
 * await engine.stop();                      // running actions get stopGrace, queued ones stay journaled
 * ```
 *
 * State is keyed by rule + node (nodeOf) + dedup key, so one engine serves one node or many.
 * `health` is asked per node when an undo is due: with `sourcesDown > 0`, or when `eventsLost`
 * grew (or an EVENTS_LOST event of that node arrived, or the engine's own inbox dropped events)
 * within `lossHold`, the undo waits and is checked again; fires are never held.
 */
import type { Logger } from 'pino';
import type { HookRun } from '../api/metrics/index.ts';
import type { FsEvent } from '../collector/types.ts';
import type { RuleActivity } from './activity.ts';
import { durationMs } from './duration.ts';
import { Evaluator } from './evaluator.ts';
import type { CompiledRule, RuleSet } from './parse.ts';
import { ActionQueue, type FinishedRun } from './queue.ts';
import type { RulesConfig } from './schema.ts';
import { RulesStateFile, type InstanceRecord, type PendingRecord, type RulesSnapshot } from './state-file.ts';
import type { ActionPhase } from './types.ts';

export { loadRulesFile, parseRules, type RuleSet, type CompiledRule } from './parse.ts';

/** How the engine runs (the daemon takes them from the `rules` config section: engineSettings). */
export interface EngineSettings {
  concurrency: number;
  maxPending: number;
  inboxEvents: number;
  lossHoldMs: number;
  stopGraceMs: number;
  /** How often a held undo is checked again. */
  recheckMs: number;
  maxInstances: number;
}

/** What `health(node)` answers. */
export interface NodeHealth {
  /** Sources of that node that were up and are down now. */
  sourcesDown: number;
  /** Records lost so far (cumulative): any increase holds undos for lossHold. */
  eventsLost: number;
}

/** How to build an engine. */
export interface RulesEngineOptions {
  rules: RuleSet;
  log: Logger;
  stateDir?: string;
  settings?: Partial<EngineSettings>;
  dryRun?: boolean;
  now?: () => number;
  health?: (node: string) => NodeHealth;
  nodeOf?: (event: FsEvent) => string;
  onRunFinished?: (run: HookRun) => void;
}

/** One finished action, as the API shows it. */
export interface RecentRun {
  time: string;
  rule: string;
  action: string;
  phase: ActionPhase;
  key: string;
  node: string;
  outcome: HookRun['outcome'];
  detail: string;
  durationMs: number;
}

/** What GET /api/v1/rules shows. */
export interface RulesStatus {
  origin: string;
  dryRun: boolean;
  rules: Array<CompiledRule['spec']>;
  instances: Array<InstanceRecord & { heldBecause?: string }>;
  /** Per rule in force: events matched and resolving, fires, undos, the last match. */
  activity: Record<string, RuleActivity>;
  pending: Array<Omit<PendingRecord, 'event' | 'chain'> & { eventSeq: number }>;
  recent: RecentRun[];
  counters: { eventsEvaluated: number; eventsDropped: number; actionsDropped: number; deduplicated: number; instancesRefused: number };
}

const DEFAULT_SETTINGS: EngineSettings = { concurrency: 4, maxPending: 1000, inboxEvents: 10_000, lossHoldMs: 300_000, stopGraceMs: 10_000, recheckMs: 5000, maxInstances: 10_000 };
/** Events evaluated per event-loop turn, so a burst never holds the loop for long. */
export const EVALUATE_PER_TURN = 2000;
/** Finished runs kept for the API. */
const RECENT_RUNS = 100;
/** Instance changes are journaled at most this long after they happen (actions are journaled at once). */
const STATE_SAVE_DELAY_MS = 50;

/** The engine settings of the daemon's `rules` config section. */
export function engineSettings(config: RulesConfig): Partial<EngineSettings> {
  return { concurrency: config.concurrency, maxPending: config.maxPending, inboxEvents: config.inboxEvents, lossHoldMs: durationMs(config.lossHold), stopGraceMs: durationMs(config.stopGrace) };
}

/** The rules engine. */
export class RulesEngine {
  readonly #options: RulesEngineOptions;
  readonly #settings: EngineSettings;
  readonly #now: () => number;
  readonly #log: Logger;
  #rules: RuleSet;
  readonly #evaluator: Evaluator;
  readonly #queue: ActionQueue;
  readonly #file: RulesStateFile | undefined;
  /** Published batches waiting for evaluation (kept as the pipeline gave them: no copy per event). */
  #inbox: Array<readonly FsEvent[]> = [];
  #inboxEvents = 0;
  #draining = false;
  #saveTimer: NodeJS.Timeout | undefined;
  #stopped = false;
  readonly #recent: RecentRun[] = [];
  readonly #counters = { eventsEvaluated: 0, eventsDropped: 0, actionsDropped: 0 };
  /** Per node: the last eventsLost seen and when anything was last lost. */
  readonly #loss = new Map<string, { lost: number; at: number }>();
  #inboxLossAt = Number.NEGATIVE_INFINITY;
  /** Feeders' resume points, journaled with the state (flush). */
  #checkpoint: Record<string, number> = {};

  private constructor(options: RulesEngineOptions) {
    this.#options = options;
    this.#settings = { ...DEFAULT_SETTINGS, ...options.settings };
    this.#now = options.now ?? Date.now;
    this.#log = options.log;
    this.#rules = options.rules;
    const persist = options.stateDir !== undefined && !options.dryRun;
    this.#file = persist ? new RulesStateFile(options.stateDir!, () => this.#snapshot()) : undefined;
    this.#evaluator = new Evaluator(options.rules.rules, {
      now: this.#now,
      log: this.#log,
      nodeOf: options.nodeOf ?? ((event) => event.node),
      enqueue: (rule, instance, chain, phase, event) => this.#enqueue(rule, instance, chain, phase, event),
      holdUndo: (node) => this.#holdUndo(node),
      changed: () => this.#scheduleSave(),
      recheckMs: this.#settings.recheckMs,
      maxInstances: this.#settings.maxInstances,
    });
    this.#queue = new ActionQueue({
      concurrency: this.#settings.concurrency,
      maxPending: this.#settings.maxPending,
      stopGraceMs: this.#settings.stopGraceMs,
      dryRun: options.dryRun ?? false,
      log: this.#log,
      now: this.#now,
      resolve: (record) => {
        const slot = this.#evaluator.rule(record.rule)?.actions[record.actionIndex];
        return slot?.type === record.actionType ? slot : undefined;
      },
      persist: () => this.#file?.save() ?? Promise.resolve(),
      finished: (run) => this.#finished(run),
    });
  }

  /** Builds an engine and takes over its journal (instances, pending actions) from the state dir. */
  static async open(options: RulesEngineOptions): Promise<RulesEngine> {
    const engine = new RulesEngine(options);
    const saved = await engine.#file?.load().catch((err: unknown) => {
      engine.#log.error({ err, path: engine.#file?.path }, 'Rules state unreadable; starting without it');
      return undefined;
    });
    if (saved) {
      engine.#checkpoint = { ...saved.checkpoint };
      engine.#evaluator.restore(saved.instances);
      engine.#queue.restore(saved.pending, saved.nextId);
    }
    return engine;
  }

  /** The rules in force. */
  get rules(): RuleSet {
    return this.#rules;
  }

  /** Takes a published batch: evaluated at once when nothing is waiting, else on later turns (bounded inbox, drops counted). */
  accept(batch: readonly FsEvent[]): void {
    if (this.#stopped) return;
    // No backlog: evaluate now (about a microsecond per event, no I/O: actions start from a
    // microtask after the pipeline's turn). Holding the batch for a later turn would keep every
    // event alive past the next young-generation GC, which measurably slowed the pipeline.
    if (!this.#draining && batch.length <= EVALUATE_PER_TURN) {
      this.#evaluateBatch(batch);
      this.#counters.eventsEvaluated += batch.length;
      return;
    }
    const room = this.#settings.inboxEvents - this.#inboxEvents;
    if (batch.length > room) {
      this.#counters.eventsDropped += batch.length - Math.max(0, room);
      this.#inboxLossAt = this.#now();
    }
    const taken = batch.length > room ? batch.slice(0, Math.max(0, room)) : batch;
    if (taken.length > 0) {
      this.#inbox.push(taken);
      this.#inboxEvents += taken.length;
    }
    if (!this.#draining && this.#inboxEvents > 0) {
      this.#draining = true;
      setImmediate(() => this.#drain());
    }
  }

  /** Swaps in new rules (already validated); instances and queued actions of removed rules are dropped. */
  replace(rules: RuleSet): void {
    this.#rules = rules;
    this.#evaluator.setRules(rules.rules);
    const names = new Set(rules.rules.map((r) => r.name));
    const cancelled = this.#queue.cancel((record) => !names.has(record.rule));
    this.#log.info({ origin: rules.origin, rules: rules.rules.length, cancelled }, 'Rules replaced');
  }

  /** What the engine is doing, for GET /api/v1/rules. */
  status(): RulesStatus {
    return {
      origin: this.#rules.origin,
      dryRun: this.#options.dryRun ?? false,
      rules: this.#rules.rules.map((r) => redact(r.spec) as CompiledRule['spec']),
      instances: this.#evaluator.list(),
      activity: this.#evaluator.activity.of(this.#rules.rules.map((r) => r.name)),
      pending: this.#queue.list().map(({ event, chain: _chain, ...rest }) => ({ ...rest, eventSeq: event.seq })),
      recent: [...this.#recent],
      counters: { ...this.#counters, deduplicated: this.#evaluator.counters.deduplicated, instancesRefused: this.#evaluator.counters.refused },
    };
  }

  /**
   * Evaluates what was accepted and journals the result (instances and pending actions) together
   * with `checkpoint` (merged into the journaled one); resolves once that is on disk. For feeders
   * that keep resume points (the cluster mode, src/cluster/sink.ts: seq per node): the journal
   * then never holds a resume point ahead of the state its events led to, so after a crash they
   * resume at checkpoint() and nothing is evaluated twice or skipped.
   */
  async flush(checkpoint: Readonly<Record<string, number>> = {}): Promise<void> {
    while (this.#draining) await new Promise((resolve) => setImmediate(resolve));
    Object.assign(this.#checkpoint, checkpoint);
    await this.#file?.save();
  }

  /** The resume points journaled by flush() (restored from the state dir at open). */
  checkpoint(): Readonly<Record<string, number>> {
    return this.#checkpoint;
  }

  /** Resolves when every accepted event is evaluated and no action is pending. */
  async idle(): Promise<void> {
    while (this.#draining) await new Promise((resolve) => setImmediate(resolve));
    await this.#queue.idle();
  }

  /** Stops evaluating, gives running actions stopGrace, journals what is left; idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#inbox = [];
    this.#inboxEvents = 0;
    this.#evaluator.stop();
    clearTimeout(this.#saveTimer);
    await this.#queue.stop();
    await this.#file?.save().catch((err: unknown) => this.#log.error({ err }, 'Cannot journal the rules state'));
  }

  #drain(): void {
    let evaluated = 0;
    // Whole batches, at least one, until the turn's share is used.
    while (this.#inbox.length > 0 && evaluated < EVALUATE_PER_TURN) {
      const batch = this.#inbox.shift()!;
      this.#evaluateBatch(batch);
      evaluated += batch.length;
    }
    this.#inboxEvents -= evaluated;
    this.#counters.eventsEvaluated += evaluated;
    if (this.#inboxEvents > 0 && !this.#stopped) setImmediate(() => this.#drain());
    else this.#draining = false;
  }

  #evaluateBatch(batch: readonly FsEvent[]): void {
    for (const event of batch) {
      if (event.type === 'EVENTS_LOST') this.#lossOf(event.node).at = this.#now();
      this.#evaluator.evaluate(event);
    }
  }

  #enqueue(rule: CompiledRule, instance: InstanceRecord, chain: string, phase: ActionPhase, event: FsEvent): void {
    const reason = rule.reason({ rule: rule.name, node: instance.node, event });
    rule.actions.forEach((slot, actionIndex) => {
      if (phase === 'undo' && !slot.action.undoable) return;
      this.#queue.enqueue({ rule: rule.name, actionIndex, actionType: slot.type, phase, chain, key: instance.key, node: instance.node, reason, event });
    });
  }

  #holdUndo(node: string): string | undefined {
    const health = this.#options.health?.(node);
    const loss = this.#lossOf(node);
    if (health && health.eventsLost > loss.lost) loss.at = this.#now();
    if (health) loss.lost = health.eventsLost;
    if (health && health.sourcesDown > 0) return `${health.sourcesDown} source(s) down`;
    const since = this.#now() - Math.max(loss.at, this.#inboxLossAt);
    if (since < this.#settings.lossHoldMs) return `events lost ${Math.round(since / 1000)} s ago (lossHold ${this.#settings.lossHoldMs / 1000} s)`;
    return undefined;
  }

  #lossOf(node: string): { lost: number; at: number } {
    let loss = this.#loss.get(node);
    if (!loss) {
      // The first figure seen is the baseline: losses before the engine started are not news.
      loss = { lost: this.#options.health?.(node).eventsLost ?? 0, at: Number.NEGATIVE_INFINITY };
      this.#loss.set(node, loss);
    }
    return loss;
  }

  #finished({ record, result, durationMs }: FinishedRun): void {
    const outcome: HookRun['outcome'] = !result ? 'dropped' : result.outcome !== 'failed' ? 'success' : result.timedOut ? 'timeout' : 'failure';
    if (!result) this.#counters.actionsDropped++;
    this.#options.onRunFinished?.({ rule: record.rule, action: record.actionType, outcome, durationSeconds: durationMs / 1000 });
    const detail = result ? `${result.outcome}: ${result.detail}` : 'dropped (queue full, rule removed, or interrupted and not idempotent)';
    const run: RecentRun = { time: new Date(this.#now()).toISOString(), rule: record.rule, action: record.actionType, phase: record.phase, key: record.key, node: record.node, outcome, detail, durationMs: Math.round(durationMs) };
    this.#recent.push(run);
    if (this.#recent.length > RECENT_RUNS) this.#recent.shift();
    const level = outcome === 'success' ? 'info' : 'warn';
    this.#log[level]({ ...run, time: undefined, eventSeq: record.event.seq, dryRun: this.#options.dryRun || undefined }, 'Action finished');
  }

  #scheduleSave(): void {
    if (!this.#file || this.#saveTimer || this.#stopped) return;
    this.#saveTimer = setTimeout(() => {
      this.#saveTimer = undefined;
      this.#file?.save().catch((err: unknown) => this.#log.error({ err }, 'Cannot journal the rules state'));
    }, STATE_SAVE_DELAY_MS);
  }

  #snapshot(): RulesSnapshot {
    const checkpoint = Object.keys(this.#checkpoint).length > 0 ? { checkpoint: { ...this.#checkpoint } } : {};
    return { version: 1, nextId: this.#queue.nextId, instances: this.#evaluator.records(), pending: [...this.#queue.list()], ...checkpoint };
  }
}

/** Settings whose values may be secrets (webhook secret, tokens in headers or env): never shown. */
const SECRET_NAME = /secret|token|password|authorization|^headers$|^env$/i;

/** A copy of a rule as written with secret values replaced, for the read-only API. */
function redact(value: unknown, hide = false): unknown {
  if (typeof value === 'string') return hide ? '(redacted)' : value;
  if (Array.isArray(value)) return value.map((item) => redact(item, hide));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redact(v, hide || SECRET_NAME.test(k))]));
}
