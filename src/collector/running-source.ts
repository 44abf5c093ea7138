/**
 * @module collector/running-source
 * The policy around every source, in one place: builds its context, keeps its health, counts what
 * it emits and loses, and turns start failures into a down state instead of a crash. A
 * StartupError with `retry` (and any unexpected error) is retried with exponential backoff; one
 * without `retry` (missing privilege, kernel feature or addon) leaves the source down for good.
 */
import type { Logger } from 'pino';
import { StartupError } from '../errors.ts';
import type { MountTableView, Observation, Source, SourceHealth, SourcePaths } from './types.ts';

/** What the wrapper needs from the daemon. */
export interface RunningSourceOptions {
  log: Logger;
  paths: SourcePaths;
  mounts: MountTableView;
  now: () => number;
  /** Receives every observation, synchronously, in emission order. */
  deliver: (obs: Observation) => void;
  /** Initial and maximum restart delays. */
  backoffMs?: { initial: number; max: number };
}

const DEFAULT_BACKOFF = { initial: 1_000, max: 60_000 };

/** A source together with its health and lifecycle policy. */
export class RunningSource {
  readonly source: Source;
  readonly #options: RunningSourceOptions;
  readonly #log: Logger;
  #health: SourceHealth = { state: 'starting', emitted: 0, lost: 0 };
  #abort = new AbortController();
  #retryTimer: NodeJS.Timeout | undefined;
  #retryDelay: number;
  /** Time (ms) of the last observation emitted. */
  #lastEventMs: number | undefined;

  constructor(source: Source, options: RunningSourceOptions) {
    this.source = source;
    this.#options = options;
    this.#log = options.log.child({ component: `source.${source.name}` });
    this.#retryDelay = (options.backoffMs ?? DEFAULT_BACKOFF).initial;
  }

  /** The source's registered name. */
  get name(): string {
    return this.source.name;
  }

  /** A copy of the current health. */
  health(): SourceHealth {
    const health = { ...this.#health };
    if (this.#lastEventMs !== undefined) health.lastEventTime = new Date(this.#lastEventMs).toISOString();
    return health;
  }

  /** Starts the source; never throws (failures become a down state). */
  async start(): Promise<void> {
    const signal = this.#abort.signal;
    const name = this.source.name;
    try {
      await this.source.start({
        emit: (obs) => {
          if (signal.aborted) return;
          this.#health.emitted += 1;
          // Formatted when health is read, not per observation (this is the latency path).
          this.#lastEventMs = obs.time;
          // The observation is the source's fresh object, handed over: naming its source in place
          // spares a copy per observation.
          (obs as Observation).source = name;
          this.#options.deliver(obs as Observation);
        },
        setHealth: (update) => {
          if (update.state && update.state !== this.#health.state) {
            this.#log.info({ state: update.state, reason: update.reason }, 'Source state changed');
          }
          Object.assign(this.#health, update);
          if (update.state === 'up') delete this.#health.reason;
        },
        addLost: (n) => {
          this.#health.lost += n;
        },
        signal,
        log: this.#log,
        paths: this.#options.paths,
        mounts: this.#options.mounts,
        now: this.#options.now,
      });
      if (this.#health.state === 'starting') this.#health.state = 'up';
      this.#retryDelay = (this.#options.backoffMs ?? DEFAULT_BACKOFF).initial;
    } catch (err) {
      await this.#failed(err);
    }
  }

  /** Stops the source and any pending restart; idempotent. */
  async stop(): Promise<void> {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#abort.abort();
    await this.source.stop().catch((err: unknown) => this.#log.warn({ err }, 'Source stop failed'));
    this.#health.state = 'stopped';
  }

  async #failed(err: unknown): Promise<void> {
    const retry = !(err instanceof StartupError) || err.retry;
    const reason = err instanceof Error ? err.message : String(err);
    this.#health.state = 'down';
    this.#health.reason = reason;
    await this.source.stop().catch(() => undefined);
    if (!retry) {
      this.#log.warn({ reason }, 'Source unavailable; the daemon carries on without it');
      return;
    }
    const backoff = this.#options.backoffMs ?? DEFAULT_BACKOFF;
    this.#log.error({ err, retryInMs: this.#retryDelay }, 'Source failed; restarting after a delay');
    this.#retryTimer = setTimeout(() => void this.start(), this.#retryDelay);
    this.#retryTimer.unref();
    this.#retryDelay = Math.min(this.#retryDelay * 2, backoff.max);
  }
}
