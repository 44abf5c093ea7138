/**
 * @module collector/sources/statfs/scheduler
 * When to sample a filesystem next, and how fast it is filling. A filesystem is sampled again
 * after the time the fastest plausible fill (the larger of maxFillRate and twice the observed
 * rate) would need to reach its nearest boundary (a level above or below the available amount,
 * or zero), clamped to [minIntervalMs, maxIntervalMs]. Far from every level that is the idle
 * period; approaching one the period shrinks with the distance, so a crossing is seen about when
 * it happens even when the fill starts suddenly. Pure.
 */

/** Inodes created per second assumed at worst when scheduling inode levels. */
const MAX_INODE_RATE = 200_000;
/** Shortest interval while the nearest boundary is above the available amount, ms. */
const UPWARD_FLOOR_MS = 1_000;
/** Time constant of the fast rate estimate (scheduling), ms. */
const FAST_TAU_MS = 2_000;
/** Time constant of the slow rate estimate (time to full), ms. */
const SLOW_TAU_MS = 60_000;

/** Fill rates in units per second (negative: filling), smoothed over two horizons. */
export interface Rates {
  fast: number;
  slow: number;
}

/** Updates both rate estimates with a new reading taken `dtMs` after the previous one. */
export function updateRates(rates: Rates | undefined, previous: number, current: number, dtMs: number): Rates {
  if (dtMs <= 0) return rates ?? { fast: 0, slow: 0 };
  const instant = ((current - previous) * 1000) / dtMs;
  if (!rates) return { fast: instant, slow: instant };
  return { fast: blend(rates.fast, instant, dtMs, FAST_TAU_MS), slow: blend(rates.slow, instant, dtMs, SLOW_TAU_MS) };
}

/** updateRates() for a reading equal to the previous one, in place (the idle path allocates nothing). */
export function decayRates(rates: Rates | undefined, dtMs: number): void {
  if (!rates || dtMs <= 0) return;
  rates.fast = blend(rates.fast, 0, dtMs, FAST_TAU_MS);
  rates.slow = blend(rates.slow, 0, dtMs, SLOW_TAU_MS);
}

function blend(value: number, instant: number, dtMs: number, tau: number): number {
  return value + (1 - Math.exp(-dtMs / tau)) * (instant - value);
}

/** Seconds until `avail` reaches 0 at the slow rate; undefined unless filling. */
export function timeToFull(avail: number, rates: Rates | undefined): number | undefined {
  if (!rates || rates.slow >= 0) return undefined;
  // A rate decayed to almost nothing (hours idle after a fill) would give Infinity (JSON null).
  const seconds = Math.round(avail / -rates.slow);
  return Number.isFinite(seconds) ? seconds : undefined;
}

/** One resource's position: the amount available and the boundaries that matter. */
export interface Headroom {
  avail: number;
  /** Levels in the same unit (running out, zero, is always a boundary too). */
  levels: number[];
  /** Observed fast rate, units per second. */
  rate: number;
  /** Worst-case rate to assume, units per second. */
  maxRate: number;
}

/** Units down to the nearest boundary below `avail` (a level or zero), and up to the nearest one at or above it. */
export function distances({ avail, levels }: Pick<Headroom, 'avail' | 'levels'>): { down: number; up: number } {
  let down = avail > 0 ? avail : Infinity;
  let up = Infinity;
  for (const level of levels) {
    if (level < avail) down = Math.min(down, avail - level);
    else up = Math.min(up, level - avail + 1);
  }
  return { down, up };
}

/** The next sampling interval in ms. */
export function nextInterval(headrooms: readonly Headroom[], limits: { minIntervalMs: number; maxIntervalMs: number }): number {
  let interval = limits.maxIntervalMs;
  for (const headroom of headrooms) {
    const rate = Math.max(headroom.maxRate, 2 * Math.abs(headroom.rate));
    const { down, up } = distances(headroom);
    // Space comes back all at once (rm), so no schedule can predict an upward crossing; a
    // filesystem parked at a level (full, L2 = 0) must not be sampled at the fastest rate forever.
    interval = Math.min(interval, (down / rate) * 1000, Math.max(UPWARD_FLOOR_MS, (up / rate) * 1000));
  }
  return Math.max(limits.minIntervalMs, Math.floor(interval));
}

/** The worst-case rate of a resource. */
export function maxRateOf(resource: 'blocks' | 'inodes', maxFillRateBytesPerSecond: number): number {
  return resource === 'blocks' ? maxFillRateBytesPerSecond : MAX_INODE_RATE;
}
