/**
 * @module rules/scheduler/drain-action
 * The decision every scheduler driver shares, so that none of them can get it wrong on its own:
 * read the node first; never touch a down node; `fire` drains only a node nobody else drained
 * (already ours = `already`, someone else's = `skipped`, their reason kept); `undo` resumes only
 * a node drained by us (not drained = `already`, someone else's = `skipped`); dry-run reads and
 * says what it would do. When a change fails, the node is read again: if it is in the wanted
 * state anyway (a race, a concurrent run), that is `already`, not a failure.
 *
 * A driver only says how to read, drain and resume its scheduler's node (`NodeDriver`).
 */
import type { Action, ActionRequest, ActionResult } from '../types.ts';
import { nodeNameProblem } from './marker.ts';

/** Who drained a node, as far as the scheduler tells. */
export type DrainOwner = 'none' | 'ours' | 'foreign';

/** What a driver read about one node. */
export interface NodeState<Raw> {
  /** Down, failed or unreachable in the scheduler's eyes: never touched. */
  down: boolean;
  /** Whether the node is drained, and by whom. */
  drain: DrainOwner;
  /** Our marker is there without the drain (or the drain is only partly ours): `undo` cleans it up. */
  leftover?: boolean;
  /** The scheduler's own words for the state, for details (e.g. `IDLE+DRAIN, reason "…"`). */
  describe: string;
  /** What the driver needs to act on it (the parsed node). */
  raw: Raw;
}

/** A step that worked (with a value) or ended the run (with its result). */
export type Step<T> = { ok: true; value: T } | { ok: false; result: ActionResult };

/** How one scheduler reads, drains and resumes a node. */
export interface NodeDriver<Raw> {
  /** Reads the node's state. */
  read(node: string, signal: AbortSignal): Promise<Step<NodeState<Raw>>>;
  /** Drains (no new work, running jobs stay) with our marker and this reason (without prefix). */
  drain(node: string, reason: string, state: NodeState<Raw>, signal: AbortSignal): Promise<Step<void>>;
  /** Undoes our drain (and removes leftovers of our marker). */
  resume(node: string, state: NodeState<Raw>, signal: AbortSignal): Promise<Step<void>>;
  /** Checks a node name before anything runs (default: plain host names only). */
  nodeProblem?(node: string): string | undefined;
}

/** A failed step. */
export function failed(detail: string, retryable: boolean): { ok: false; result: ActionResult } {
  return { ok: false, result: { outcome: 'failed', detail, retryable } };
}

/** A successful step. */
export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

/** Wraps a driver into an Action that applies the shared rules above. */
export function createDrainAction<Raw>(driver: NodeDriver<Raw>): Action {
  return {
    undoable: true,
    // Every run reads the node first and treats "already so" as success: a run cut short by a
    // crash is safely run again after the restart.
    idempotent: true,
    async run(request) {
      const problem = (driver.nodeProblem ?? nodeNameProblem)(request.node);
      if (problem) return { outcome: 'failed', detail: problem, retryable: false };
      if (request.signal.aborted) return { outcome: 'failed', detail: 'aborted before it started', retryable: true };
      const read = await driver.read(request.node, request.signal);
      if (!read.ok) return read.result;
      return request.phase === 'fire' ? fire(driver, request, read.value) : undo(driver, request, read.value);
    },
  };
}

async function fire<Raw>(driver: NodeDriver<Raw>, request: ActionRequest, state: NodeState<Raw>): Promise<ActionResult> {
  const { node } = request;
  if (state.down) return { outcome: 'skipped', detail: `${node} is down (${state.describe}): not touched` };
  if (state.drain === 'ours') return { outcome: 'already', detail: `${node} already drained by fsevd (${state.describe})` };
  if (state.drain === 'foreign') return { outcome: 'skipped', detail: `${node} is drained by someone else (${state.describe}): left as it is` };
  if (request.dryRun) return { outcome: 'skipped', detail: `dry run: would drain ${node} (${state.describe}) for: ${request.reason}` };
  const done = await driver.drain(node, request.reason, state, request.signal);
  if (done.ok) return { outcome: 'done', detail: `drained ${node} for: ${request.reason}` };
  return (await settledAnyway(driver, request, 'ours')) ?? done.result;
}

async function undo<Raw>(driver: NodeDriver<Raw>, request: ActionRequest, state: NodeState<Raw>): Promise<ActionResult> {
  const { node } = request;
  if (state.down) return { outcome: 'skipped', detail: `${node} is down (${state.describe}): not touched` };
  if (state.drain === 'foreign') return { outcome: 'skipped', detail: `${node} is drained by someone else (${state.describe}): not resumed` };
  if (state.drain === 'none' && !state.leftover) return { outcome: 'already', detail: `${node} is not drained (${state.describe})` };
  const what = state.drain === 'ours' ? 'resume' : 'remove the leftover fsevd marker of';
  if (request.dryRun) return { outcome: 'skipped', detail: `dry run: would ${what} ${node} (${state.describe})` };
  const done = await driver.resume(node, state, request.signal);
  if (done.ok) return { outcome: 'done', detail: state.drain === 'ours' ? `resumed ${node}` : `removed the leftover fsevd marker of ${node}` };
  return (await settledAnyway(driver, request, 'none')) ?? done.result;
}

/** After a failed change: `already` when a fresh read shows the wanted state anyway. */
async function settledAnyway<Raw>(driver: NodeDriver<Raw>, request: ActionRequest, wanted: DrainOwner): Promise<ActionResult | undefined> {
  if (request.signal.aborted) return undefined;
  const again = await driver.read(request.node, request.signal);
  if (!again.ok || again.value.drain !== wanted || again.value.leftover) return undefined;
  return { outcome: 'already', detail: `${request.node} reached the wanted state meanwhile (${again.value.describe})` };
}
