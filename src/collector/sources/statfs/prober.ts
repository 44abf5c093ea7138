/**
 * @module collector/sources/statfs/prober
 * The rules around the native statfs pool: at most one call in flight per filesystem, no new call
 * to a filesystem whose last call has not returned, and a deadline per call. A call past its
 * deadline is reported as timed out once and its thread is abandoned to the kernel (the pool
 * starts a replacement, so other filesystems keep being served); its late answer, whenever it
 * comes, is still delivered — that is how a hung mount is seen to recover. Calls are handed to
 * the pool in batches (flush()): one hand-over per wake-up of the sampler, not one per mount.
 */
import type { StatfsPool } from '../../../native/binding.ts';

/** What the prober tells its owner. */
export interface ProberEvents {
  /** A call returned: errno 0 with the figures, or a positive errno. `late` if it had timed out. */
  answer(key: string, errno: number, values: number[] | undefined, late: boolean): void;
  /** A call passed its deadline (once per call). */
  timeout(key: string): void;
}

interface Call {
  key: string;
  deadline: number;
  timeoutMs: number;
  timedOut: boolean;
}

/** Makes a pool whose results go to `onResult`. */
export type PoolFactory = (onResult: (id: number, errno: number, values: number[] | undefined) => void) => StatfsPool;

/** One-call-per-filesystem statfs with deadlines. */
export class Prober {
  readonly #pool: StatfsPool;
  readonly #events: ProberEvents;
  readonly #calls = new Map<number, Call>();
  readonly #byKey = new Map<string, number>();
  /** Calls submitted since the last flush(): ids and paths. */
  #ids: number[] = [];
  #paths: Buffer[] = [];
  #closed = false;
  #nextId = 1;

  constructor(createPool: PoolFactory, events: ProberEvents) {
    this.#events = events;
    this.#pool = createPool((id, errno, values) => this.#answered(id, errno, values));
  }

  /** True while a call for `key` has not returned (even one that timed out). */
  busy(key: string): boolean {
    return this.#byKey.has(key);
  }

  /**
   * Starts a call for `path` (the raw bytes of a mount point: encodeBytes() of its mountinfo path)
   * unless one for `key` is still out; returns whether it started. The pool gets it at the next
   * flush().
   */
  submit(key: string, path: Buffer, timeoutMs: number, now: number): boolean {
    if (this.#closed || this.#byKey.has(key)) return false;
    // Ids wrap within the native uint32; a stale id cannot collide with one still out in practice.
    const id = this.#nextId;
    this.#nextId = this.#nextId >= 0xffff_ffff ? 1 : this.#nextId + 1;
    this.#ids.push(id);
    this.#paths.push(path);
    this.#calls.set(id, { key, deadline: now + timeoutMs, timeoutMs, timedOut: false });
    this.#byKey.set(key, id);
    return true;
  }

  /** Hands the calls submitted since the last flush to the pool's threads, in one batch. */
  flush(): void {
    if (this.#ids.length === 0) return;
    const ids = this.#ids;
    const paths = this.#paths;
    this.#ids = [];
    this.#paths = [];
    // Only a closed pool refuses, and close() forgets every call anyway.
    this.#pool.submitBatch(ids, paths);
  }

  /** Reports calls past their deadline; returns the next deadline still ahead (Infinity if none). */
  sweep(now: number): number {
    let next = Infinity;
    for (const [id, call] of this.#calls) {
      if (call.timedOut) continue;
      if (call.deadline > now) {
        next = Math.min(next, call.deadline);
        continue;
      }
      if (!this.#pool.abandon(id)) {
        // Still queued behind other calls, or answered and on its way: not this mount's fault.
        call.deadline = now + call.timeoutMs;
        next = Math.min(next, call.deadline);
        continue;
      }
      call.timedOut = true;
      this.#events.timeout(call.key);
    }
    return next;
  }

  /** Threads and calls, for the source's health. */
  stats(): ReturnType<StatfsPool['stats']> & { inFlight: number; hung: number } {
    let hung = 0;
    for (const call of this.#calls.values()) if (call.timedOut) hung += 1;
    return { ...this.#pool.stats(), inFlight: this.#calls.size, hung };
  }

  /** Stops delivering; threads blocked in hung calls are left to the kernel. */
  close(): void {
    this.#closed = true;
    this.#ids = [];
    this.#paths = [];
    this.#pool.close();
    this.#calls.clear();
    this.#byKey.clear();
  }

  #answered(id: number, errno: number, values: number[] | undefined): void {
    const call = this.#calls.get(id);
    if (!call) return;
    this.#calls.delete(id);
    this.#byKey.delete(call.key);
    this.#events.answer(call.key, errno, values, call.timedOut);
  }
}
