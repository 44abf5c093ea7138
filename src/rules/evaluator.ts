/**
 * @module rules/evaluator
 * Rule conditions, per instance (rule × node × dedup key):
 *
 * ```
 * idle ──match──► [count within window reached] ──► pending (for > 0) ──held `for`──► fire ─► active
 *   ▲                                                  │ resolve                              │ resolve
 *   │                                                  ▼                                      ▼
 *   └───────────────────────── undo ◄──healthy for `healthyFor`, fsevd healthy── healing ──match──► active
 * ```
 *
 * A rule without `resolve` fires and stays idle (its cooldown dedups). While an instance is
 * active, further matches do nothing (one drain per outage, whatever the storm). The undo waits
 * while fsevd itself is unhealthy (a source down, events lost recently): it is re-checked, never
 * skipped. Rules are indexed by event type and mount point (candidates.ts), so an event costs
 * only the rules that can match or resolve it.
 */
import type { Logger } from 'pino';
import type { FsEvent } from '../collector/types.ts';
import { RuleActivityLog } from './activity.ts';
import { RuleIndex } from './candidates.ts';
import { chainOf, type InstanceId } from './instance-ids.ts';
import type { CompiledRule } from './parse.ts';
import type { InstanceRecord } from './state-file.ts';
import type { ActionPhase } from './types.ts';

/** Idle instances (cooldown or count window running) are swept this often. */
const SWEEP_INTERVAL_MS = 60_000;

/** What the evaluator asks of the engine. */
export interface EvaluatorHooks {
  now(): number;
  log: Logger;
  /** The scheduler's node name of an event. */
  nodeOf(event: FsEvent): string;
  /** Queues the rule's actions for one phase. */
  enqueue(rule: CompiledRule, instance: InstanceRecord, chain: string, phase: ActionPhase, event: FsEvent): void;
  /** Why undo must wait on this node (fsevd unhealthy), or undefined when it may go ahead. */
  holdUndo(node: string): string | undefined;
  /** Instance state changed (journal it). */
  changed(): void;
  /** How often a held undo is checked again. */
  recheckMs: number;
  /** Most instances kept; beyond it new ones are refused and counted. */
  maxInstances: number;
}

/** Figures for the API. */
export interface EvaluatorCounters {
  /** Matches that changed nothing because the instance was already firing or in cooldown. */
  deduplicated: number;
  /** New instances refused at maxInstances. */
  refused: number;
}

/** The rule evaluator. */
export class Evaluator {
  readonly #hooks: EvaluatorHooks;
  /** Candidate rules per type × mount point: most rules fail there, once per pair. */
  #index = new RuleIndex([]);
  /** Instances per rule that a resolving event can act on (pending, active, healing); 0 skips its resolve test. */
  readonly #open = new Map<string, number>();
  #rules = new Map<string, CompiledRule>();
  readonly #instances = new Map<string, InstanceRecord>();
  /** Instances forgotten (or restored) so far: an instance remembered on an InstanceId is still the one in force while this has not moved. */
  #forgotten = 0;
  readonly #timers = new Map<string, NodeJS.Timeout>();
  /** Why each held undo waits, for the API. */
  readonly #held = new Map<string, string>();
  readonly #sweep: NodeJS.Timeout;
  readonly counters: EvaluatorCounters = { deduplicated: 0, refused: 0 };
  /** Per-rule figures for the API. */
  readonly activity = new RuleActivityLog();

  constructor(rules: readonly CompiledRule[], hooks: EvaluatorHooks) {
    this.#hooks = hooks;
    this.setRules(rules);
    this.#sweep = setInterval(() => this.#sweepIdle(), SWEEP_INTERVAL_MS).unref();
  }

  /** Swaps the rules; instances of rules that are gone are forgotten (what they did stays done). */
  setRules(rules: readonly CompiledRule[]): void {
    this.#rules = new Map(rules.map((r) => [r.name, r]));
    this.#index = new RuleIndex(rules);
    for (const [chain, instance] of this.#instances) {
      if (this.#rules.has(instance.rule)) continue;
      if (instance.status === 'active' || instance.status === 'healing') this.#hooks.log.warn({ rule: instance.rule, key: instance.key, node: instance.node }, 'Rule removed while firing: its fire is not undone');
      this.#forget(chain);
    }
    this.#hooks.changed();
  }

  /** The rule of that name in force. */
  rule(name: string): CompiledRule | undefined {
    return this.#rules.get(name);
  }

  /** Every instance, with why its undo waits when it does. */
  list(): Array<InstanceRecord & { heldBecause?: string }> {
    return [...this.#instances].map(([chain, i]) => ({ ...i, ...(this.#held.has(chain) ? { heldBecause: this.#held.get(chain)! } : {}) }));
  }

  /** The instances as journaled. */
  records(): InstanceRecord[] {
    return [...this.#instances.values()];
  }

  /** Takes over journaled instances after a restart, restarting their timers. */
  restore(records: readonly InstanceRecord[]): void {
    this.#forgotten++;
    for (const record of records) {
      const rule = this.#rules.get(record.rule);
      if (!rule) continue;
      const chain = chainOf(record.rule, record.node, record.key);
      const instance: InstanceRecord = { ...record, hits: [...record.hits], status: 'idle' };
      this.#instances.set(chain, instance);
      this.#set(instance, record.status, record.since);
      const elapsed = this.#hooks.now() - record.since;
      if (record.status === 'pending') this.#timer(chain, rule.forMs - elapsed, () => this.#fire(rule, chain));
      if (record.status === 'healing') this.#timer(chain, rule.healthyForMs - elapsed, () => this.#undo(rule, chain));
    }
  }

  /** Evaluates one event against every rule that can concern it. */
  evaluate(event: FsEvent): void {
    const candidates = this.#index.candidates(event.type, event.mountpoint);
    if (candidates.length === 0) return;
    let node: string | undefined;
    for (const candidate of candidates) {
      const rule = candidate.rule;
      const matched = candidate.match && rule.match.matchesIndexed(event);
      if (!matched && (!candidate.resolve || !this.#open.get(rule.name) || !rule.resolve!.matchesIndexed(event))) continue;
      node ??= this.#hooks.nodeOf(event);
      const id = candidate.idOf(node, event);
      if (matched) {
        this.activity.matched(rule.name, event, node);
        this.#onMatch(rule, id, node, event);
      } else {
        this.activity.resolving(rule.name);
        this.#onResolve(rule, id, event);
      }
    }
  }

  /** Clears every timer; idempotent. */
  stop(): void {
    clearInterval(this.#sweep);
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  /** The instance of an id, if there is one (remembered on the id: see InstanceId.instance). */
  #instanceOf(id: InstanceId): InstanceRecord | undefined {
    if (id.instance !== undefined && id.looked === this.#forgotten) return id.instance;
    const instance = this.#instances.get(id.chain);
    // Only a found instance is remembered: one created later is found by the next lookup.
    if (instance !== undefined) {
      id.instance = instance;
      id.looked = this.#forgotten;
    }
    return instance;
  }

  #onMatch(rule: CompiledRule, id: InstanceId, node: string, event: FsEvent): void {
    const { key, chain } = id;
    let instance = this.#instanceOf(id);
    // Pending or firing: the storm's usual case, settled before reading the clock.
    if (instance !== undefined && (instance.status === 'pending' || instance.status === 'active')) return void this.counters.deduplicated++;
    const now = this.#hooks.now();
    if (!instance) {
      if (this.#instances.size >= this.#hooks.maxInstances) return void this.counters.refused++;
      instance = { rule: rule.name, node, key, status: 'idle', since: now, hits: [] };
      this.#instances.set(chain, instance);
    }
    if (instance.status === 'healing') {
      // Trouble is back before the healthy time ran out: stay fired, no second fire.
      this.#clearTimer(chain);
      this.#set(instance, 'active', now);
      delete instance.resolvedBy;
      return this.#hooks.changed();
    }
    if (rule.count > 1) {
      // Oldest first: drop the expired ones in place (no new array per event in a storm).
      while (instance.hits.length > 0 && now - instance.hits[0]! >= rule.withinMs) instance.hits.shift();
      instance.hits.push(now);
      // Not journaled per event (a storm would rewrite the file all the time): the window rides
      // along with the next change, and a restart loses at most the hits since.
      if (instance.hits.length < rule.count) return;
      instance.hits = [];
    }
    if (instance.firedAt !== undefined && now - instance.firedAt < rule.cooldownMs) return void this.counters.deduplicated++;
    instance.event = event;
    if (rule.forMs > 0) {
      this.#set(instance, 'pending', now);
      this.#timer(chain, rule.forMs, () => this.#fire(rule, chain));
      return this.#hooks.changed();
    }
    this.#fire(rule, chain);
  }

  #onResolve(rule: CompiledRule, id: InstanceId, event: FsEvent): void {
    const chain = id.chain;
    const instance = this.#instanceOf(id);
    if (!instance) return;
    const now = this.#hooks.now();
    if (instance.status === 'pending') {
      // The condition did not hold for `for`: nothing fired, nothing to undo.
      this.#clearTimer(chain);
      this.#set(instance, 'idle', now);
      return this.#hooks.changed();
    }
    if (instance.status !== 'active') return;
    instance.resolvedBy = event;
    this.#set(instance, 'healing', now);
    this.#hooks.changed();
    this.#timer(chain, rule.healthyForMs, () => this.#undo(rule, chain));
  }

  #fire(rule: CompiledRule, chain: string): void {
    this.#timers.delete(chain);
    const instance = this.#instances.get(chain);
    if (!instance?.event) return;
    const now = this.#hooks.now();
    instance.firedAt = now;
    this.#set(instance, rule.resolve ? 'active' : 'idle', now);
    this.#hooks.enqueue(rule, instance, chain, 'fire', instance.event);
    this.activity.acted(rule.name, 'fire');
    // The queued actions carry the event; the instance keeps only its seq, so the journal stays small.
    instance.firedSeq = instance.event.seq;
    delete instance.event;
    this.#hooks.changed();
  }

  #undo(rule: CompiledRule, chain: string): void {
    this.#timers.delete(chain);
    const instance = this.#instances.get(chain);
    if (!instance?.resolvedBy || instance.status !== 'healing') return;
    const hold = this.#hooks.holdUndo(instance.node);
    if (hold !== undefined) {
      const already = this.#held.has(chain);
      if (!already) this.#hooks.log.warn({ rule: rule.name, key: instance.key, node: instance.node, why: hold }, 'Undo held: fsevd is not healthy');
      this.#timer(chain, this.#hooks.recheckMs, () => this.#undo(rule, chain));
      this.#held.set(chain, hold);
      return;
    }
    this.#held.delete(chain);
    this.#hooks.enqueue(rule, instance, chain, 'undo', instance.resolvedBy);
    this.activity.acted(rule.name, 'undo');
    this.#set(instance, 'idle', this.#hooks.now());
    delete instance.resolvedBy;
    this.#hooks.changed();
  }

  #set(instance: InstanceRecord, status: InstanceRecord['status'], now: number): void {
    const open = (s: InstanceRecord['status']) => (s === 'idle' ? 0 : 1);
    const change = open(status) - open(instance.status);
    if (change !== 0) this.#open.set(instance.rule, (this.#open.get(instance.rule) ?? 0) + change);
    instance.status = status;
    instance.since = now;
  }

  #timer(chain: string, delayMs: number, run: () => void): void {
    this.#clearTimer(chain);
    this.#timers.set(chain, setTimeout(run, Math.max(0, delayMs)));
  }

  #clearTimer(chain: string): void {
    clearTimeout(this.#timers.get(chain));
    this.#timers.delete(chain);
    this.#held.delete(chain);
  }

  #forget(chain: string): void {
    this.#forgotten++;
    this.#clearTimer(chain);
    const instance = this.#instances.get(chain);
    if (instance) this.#set(instance, 'idle', instance.since);
    this.#instances.delete(chain);
  }

  #sweepIdle(): void {
    const now = this.#hooks.now();
    const before = this.#instances.size;
    for (const [chain, instance] of this.#instances) {
      const rule = this.#rules.get(instance.rule);
      if (instance.status !== 'idle' || !rule) continue;
      const cooling = instance.firedAt !== undefined && now - instance.firedAt < rule.cooldownMs;
      const counting = instance.hits.some((t) => now - t < rule.withinMs);
      if (!cooling && !counting) this.#forget(chain);
    }
    if (this.#instances.size !== before) this.#hooks.changed();
  }
}
