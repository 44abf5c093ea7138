/**
 * @module collector/sources/statfs/budget
 * The sampling budget (`maxSamplesPerSecond`). Filesystems being written to keep the pace their
 * schedule wants; idle ones share what is left: each waits at least the idle floor (floor()), and
 * their samples are admitted at most at the idle share's rate (admit()), so that a thousand idle
 * filesystems sampled at once (start-up, a mount storm) spread out over one floor instead of
 * coming due together forever. Admissions are handed out on a grid of a tenth of the floor (1 to
 * 5 s): one wake-up and one batch of threads serve all the idle samples of a grid step, which on a
 * VM costs far less than waking for each (the fixed cost of a batch — a timer, a scan, thread
 * hand-overs — outweighs its statfs calls). Pure (the caller passes the clock).
 */

/** What the budget needs to know about one sampled filesystem. */
export interface Paced {
  /** The last sample changed its figures: it is being written to. */
  readonly active: boolean;
  /** What its schedule wants, before the budget, ms. */
  readonly desiredIntervalMs: number;
}

/** How often the idle floor is recomputed, ms. */
const FLOOR_PERIOD_MS = 1000;
/** Idle samples are admitted in batches at least this far apart, ms… */
const MIN_GRID_MS = 1000;
/** …and at most this far (a tenth of the floor in between). */
const MAX_GRID_MS = 5000;

/** Tracks the idle floor and the idle admission rate of one statfs source. */
export class SamplingBudget {
  readonly #maxPerSecond: number;
  #floorMs = 0;
  #floorAt = -Infinity;
  /** Idle samples per second still in the budget. */
  #idleRate: number;
  #tokens: number;
  #tokensAt = -Infinity;
  /** How far apart idle batches are, ms. */
  #gridMs = MIN_GRID_MS;

  constructor(maxPerSecond: number) {
    this.#maxPerSecond = maxPerSecond;
    this.#idleRate = maxPerSecond;
    this.#tokens = maxPerSecond;
  }

  /**
   * The interval below which idle filesystems may not go: the budget left by active ones, shared
   * evenly among the idle ones, when they want more than that (0: no pressure). Recomputed at most
   * once a second from `all` (the source's targets).
   */
  floor(now: number, all: Iterable<{ readonly monitor: Paced }>): number {
    if (now - this.#floorAt < FLOOR_PERIOD_MS) return this.#floorMs;
    this.#floorAt = now;
    let activeRate = 0;
    let idle = 0;
    let wanted = 0;
    for (const { monitor: fs } of all) {
      if (fs.active) activeRate += 1000 / fs.desiredIntervalMs;
      else {
        idle += 1;
        wanted += 1000 / fs.desiredIntervalMs;
      }
    }
    this.#idleRate = Math.max(this.#maxPerSecond - activeRate, 1);
    this.#floorMs = wanted > this.#idleRate ? (1000 * idle) / this.#idleRate : 0;
    this.#gridMs = Math.min(Math.max(Math.round(this.#floorMs / 10 / MIN_GRID_MS) * MIN_GRID_MS, MIN_GRID_MS), MAX_GRID_MS);
    return this.#floorMs;
  }

  /** The grid idle samples fall due on, ms. */
  get gridMs(): number {
    return this.#gridMs;
  }

  /** Takes one idle admission if the idle share has one left at `now` (refilled on the grid). */
  admit(now: number): boolean {
    const grid = this.#gridMs;
    const slot = Math.floor(now / grid) * grid;
    if (slot > this.#tokensAt) {
      // At most one grid step's worth carries over: a quiet spell earns no later burst.
      const step = (this.#idleRate * grid) / 1000;
      const earned = this.#tokensAt === -Infinity ? step : ((slot - this.#tokensAt) * this.#idleRate) / 1000;
      this.#tokens = Math.min(this.#tokens + earned, step);
      this.#tokensAt = slot;
    }
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** When the next idle admission can be had, for a caller that was refused at `now`. */
  nextAdmission(now: number): number {
    return Math.floor(now / this.#gridMs) * this.#gridMs + this.#gridMs;
  }
}
