/**
 * @module rules/state-file
 * The rules engine's journal: one small JSON file in the state dir holding the rule instances
 * (what has fired and is waiting to be undone) and the pending actions. Written whole and
 * atomically (temp file, fsync, rename), so a crash leaves the previous or the next version,
 * never a torn one. Writes are coalesced: at most one in flight, and a save asked for while one
 * runs is folded into the next; `save()` resolves once a write that includes the caller's
 * changes is on disk.
 */
import { open, readFile, rename } from 'node:fs/promises';
import type { FsEvent } from '../collector/types.ts';
import type { ActionPhase } from './types.ts';

/** File name in the state dir. */
export const RULES_STATE_FILE = 'rules-state.json';

/** Where a rule instance stands. `idle` instances are kept only for their cooldown or count window. */
export type InstanceStatus = 'idle' | 'pending' | 'active' | 'healing';

/** One rule instance (rule × node × dedup key), as journaled. */
export interface InstanceRecord {
  rule: string;
  node: string;
  key: string;
  status: InstanceStatus;
  /** When the instance entered its status (ms since the epoch). */
  since: number;
  /** Last fire, for the cooldown. */
  firedAt?: number;
  /** Times of recent matching events (count/within rules). */
  hits: number[];
  /** The event that started `pending` (until it fires). */
  event?: FsEvent;
  /** Seq of the event that fired it last. */
  firedSeq?: number;
  /** The resolving event (healing). */
  resolvedBy?: FsEvent;
}

/** One action waiting to run, or running, as journaled. */
export interface PendingRecord {
  /** Increasing per engine; orders runs. */
  id: number;
  rule: string;
  /** Position of the action in the rule's `actions`, and its type (checked on restore). */
  actionIndex: number;
  actionType: string;
  phase: ActionPhase;
  /** The instance's internal id (rule, node, key): actions of one id run one at a time, in order. */
  chain: string;
  key: string;
  node: string;
  reason: string;
  event: FsEvent;
  /** `running` when the process died during it: see Action.idempotent. */
  status: 'queued' | 'running' | 'waiting';
  attempts: number;
  enqueuedAt: number;
}

/** The whole file. */
export interface RulesSnapshot {
  version: 1;
  nextId: number;
  instances: InstanceRecord[];
  pending: PendingRecord[];
  /** Feeders' resume points journaled with the state they led to (the cluster mode: seq per node address); see RulesEngine.flush. */
  checkpoint?: Record<string, number>;
}

/** Reads and writes the file. */
export class RulesStateFile {
  readonly path: string;
  readonly #snapshot: () => RulesSnapshot;
  #writing: Promise<void> | undefined;
  #again: Promise<void> | undefined;

  constructor(stateDir: string, snapshot: () => RulesSnapshot) {
    this.path = `${stateDir}/${RULES_STATE_FILE}`;
    this.#snapshot = snapshot;
  }

  /** The saved snapshot, or undefined when there is none; throws on a file that is not one. */
  async load(): Promise<RulesSnapshot | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const parsed = JSON.parse(text) as RulesSnapshot;
    if (parsed?.version !== 1 || !Array.isArray(parsed.instances) || !Array.isArray(parsed.pending)) throw new Error(`${this.path} is not a rules state file`);
    return parsed;
  }

  /** Writes the current snapshot (taken when the write starts); resolves when it is on disk. */
  save(): Promise<void> {
    if (this.#again) return this.#again;
    if (!this.#writing) return (this.#writing = this.#write());
    // A write is running with an older snapshot: queue exactly one more after it.
    const next = () => {
      this.#again = undefined;
      return (this.#writing = this.#write());
    };
    // Whether the running write failed or not, the next one carries the newer state.
    this.#again = this.#writing.then(next, next);
    return this.#again;
  }

  async #write(): Promise<void> {
    try {
      const text = JSON.stringify(this.#snapshot());
      const temp = `${this.path}.tmp`;
      const handle = await open(temp, 'w', 0o640);
      try {
        await handle.writeFile(text);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, this.path);
    } finally {
      this.#writing = undefined;
    }
  }
}
