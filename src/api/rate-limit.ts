/**
 * @module api/rate-limit
 * A token bucket per client address: `burst` requests at once, refilled at `perSecond`. HTTP
 * requests, WebSocket upgrades and WebSocket messages all draw from the same bucket, so a client
 * cannot dodge the limit by switching channels.
 */

/**
 * Addresses tracked at most. Beyond it the least recently seen is forgotten (it then starts with a
 * full bucket again), so a flood from many addresses costs bounded memory (~100 B per entry).
 */
const MAX_TRACKED = 8192;

interface Bucket {
  tokens: number;
  /** ms timestamp of the last refill. */
  at: number;
}

/** Rate settings, read on every call so a config reload applies at once. */
export interface RateSettings {
  perSecond: number;
  burst: number;
}

/** Per-address token buckets. */
export class RateLimiter {
  readonly #settings: () => RateSettings;
  readonly #now: () => number;
  /** Insertion order is recency order: a hit re-inserts its key. */
  readonly #buckets = new Map<string, Bucket>();

  constructor(settings: () => RateSettings, now: () => number = Date.now) {
    this.#settings = settings;
    this.#now = now;
  }

  /** Takes one token for `key`; returns 0 when allowed, else the seconds until one is available. */
  take(key: string): number {
    const { perSecond, burst } = this.#settings();
    const now = this.#now();
    const bucket = this.#buckets.get(key) ?? { tokens: burst, at: now };
    this.#buckets.delete(key);
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > MAX_TRACKED) this.#buckets.delete(this.#buckets.keys().next().value!);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / perSecond);
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The per-address rate limiter of this server (HTTP requests, upgrades, WebSocket messages). */
    fsevdRate: RateLimiter;
  }
}
