/**
 * @module rules/types
 * The contracts of the rules side (sinks): what an action is asked to do, what it answers, and
 * how an action module is shaped. Every action (exec, webhook, slurm, kubernetes, …) is one
 * module under `actions/`, registered with one line in `actions/registry.ts`.
 */
import type { TObject } from '@sinclair/typebox';
import type { Logger } from 'pino';
import type { FsEvent } from '../collector/types.ts';

/**
 * `fire` runs when a rule's condition becomes true (drain the node, run the hook); `undo` runs
 * when the resolving event or state has held for the rule's minimum healthy time (resume).
 */
export type ActionPhase = 'fire' | 'undo';

/** One request to an action, built by the rules engine. */
export interface ActionRequest {
  phase: ActionPhase;
  /** Name of the rule that asked (unique within a rules file). */
  rule: string;
  /** Dedup key of the rule instance (e.g. rule + mountpoint); one action per key at a time, in order. */
  key: string;
  /** The event that triggered (fire) or resolved (undo) the rule. */
  event: FsEvent;
  /** The scheduler's name for the node to act on (the local node by default; the cluster mode sets it per node). */
  node: string;
  /** Human-readable reason, without any ownership prefix (drivers add their own marker). */
  reason: string;
  /** True in dry-run mode: say what would be done, change nothing. */
  dryRun: boolean;
  /** Aborted at the action's timeout or when the daemon stops. */
  signal: AbortSignal;
}

/**
 * How an action ended. `done`: it changed something. `already`: the target was already in the
 * wanted state (success). `skipped`: it refused on purpose (e.g. a node drained by someone else,
 * a down node) — not an error. `failed`: it tried and could not; `retryable` says whether the
 * engine should try again later.
 */
export type ActionOutcome = 'done' | 'already' | 'skipped' | 'failed';

/** What an action answers. */
export interface ActionResult {
  outcome: ActionOutcome;
  /** One line for logs and the API (what was done or why not). */
  detail: string;
  /** Only for `failed`: a later attempt may succeed (timeout, connection refused, conflict). */
  retryable?: boolean;
  /** Only for `failed`: it ran out of time (reported as outcome `timeout` in fsevd_hook_runs_total). */
  timedOut?: boolean;
}

/** What the engine gives an action when it creates it. */
export interface ActionContext {
  /** pino child bound to `{ component: 'action', action: <name> }`. */
  log: Logger;
  /** Milliseconds since the epoch (tests inject a clock). */
  now: () => number;
}

/** A configured action instance. */
export interface Action {
  /** Runs one request; never throws for expected failures (returns `failed`). */
  run(request: ActionRequest): Promise<ActionResult>;
  /** True when the action has something to do on `undo` (schedulers resume; a plain exec may have no undo command). */
  readonly undoable: boolean;
  /**
   * True when running the same request twice is harmless (drivers read the node's state first).
   * A run cut short by a daemon crash is run again after the restart only when this is true;
   * otherwise it is reported as interrupted and not repeated. Absent means false.
   */
  readonly idempotent?: boolean;
}

/** What each action module exports (one line per module in actions/registry.ts). */
export interface ActionModule {
  /** TypeBox schema of the action's settings in a rule (`type` excluded), additionalProperties false. */
  configSchema: TObject;
  /** Builds an action from validated settings; must not touch the system (only `run` does). */
  create(config: never, context: ActionContext): Action;
}
