/**
 * @module api/metrics
 * The Prometheus sink (a sink of the data flow: it reads the pipeline's mount states and follows
 * the published events). One instance per daemon, on a prom-client Registry the daemon creates
 * and passes in (never the global default register). GET /metrics is render(): the daemon-wide
 * and process families from prom-client, then the per-mount families from their cached text.
 * Nothing here calls statfs or touches a mount, so a hung mount cannot stall a scrape.
 *
 * Extension points: `addSubscriberSource` (the WebSocket/SSE transports) and `hookRunFinished`
 * (the rules engine, wired by the daemon); see ./extensions.ts for what they report.
 */
import { performance } from 'node:perf_hooks';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { FsEvent, MountState } from '../../collector/types.ts';
import { registerHookMetrics, registerSubscriberMetrics, type HookRun, type SubscriberStats, type SubscriberTransport } from './extensions.ts';
import { MountExposition } from './mount-text.ts';
import { registerNodeMetrics, type NodeMetricsInputs } from './node-metrics.ts';

export type { HookOutcome, HookRun, SubscriberStats, SubscriberTransport } from './extensions.ts';

/**
 * Period of the event-loop delay sampler (ms): every stall of 250 ms or more delays a sample and
 * is seen; shorter ones only when they overlap one. An idle daemon wakes 4 times a second for it.
 */
const EVENT_LOOP_SAMPLE_MS = 250;

/** What the metrics read from the daemon (the same facade the API uses, plus the journal size). */
export interface MetricsInputs extends NodeMetricsInputs {
  mounts(): MountState[];
  /** Live events after the journal write; returns the unsubscribe function. */
  subscribe(listener: (events: readonly FsEvent[]) => void): () => void;
}

/**
 * prom-client defaults that are gauges named *_total, which Prometheus' naming rules reserve for
 * counters (`promtool check metrics` flags them). Each is the sum of a family that stays
 * (nodejs_active_handles{type}, …), so nothing is lost by dropping them.
 */
const MISNAMED_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** The daemon's metrics. */
export class DaemonMetrics {
  /** Content-Type of render()'s text (exposition format 0.0.4). */
  static readonly contentType: string = Registry.PROMETHEUS_CONTENT_TYPE;
  /** The daemon's registry; components may add their own families to it. */
  readonly registry: Registry;
  /** Registers a transport's subscriber figures, read at each scrape; returns the unregister function. */
  readonly addSubscriberSource: (transport: SubscriberTransport, read: () => SubscriberStats) => () => void;
  /** Records one finished hook run (called by the rules engine through the daemon). */
  readonly hookRunFinished: (run: HookRun) => void;
  readonly #inputs: MetricsInputs;
  readonly #mountText = new MountExposition();
  readonly #mountsGauge: Gauge;
  readonly #renderSeconds: Gauge<'phase'>;
  readonly #unsubscribe: () => void;

  constructor(options: { registry: Registry; inputs: MetricsInputs }) {
    this.registry = options.registry;
    this.#inputs = options.inputs;
    // prom-client samples event-loop delay with a timer of this period (default 10 ms): at the
    // default that timer alone wakes an idle daemon 100 times a second.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
    for (const name of MISNAMED_DEFAULTS) this.registry.removeSingleMetric(name);
    const node = registerNodeMetrics(this.registry, options.inputs);
    this.#mountsGauge = node.mounts;
    this.#renderSeconds = new Gauge({
      name: 'fsevd_metrics_render_duration_seconds',
      help: 'Time the previous /metrics render spent per phase: mount_states (the daemon building every mount state), mount_text (the per-mount families), registry (all other families).',
      labelNames: ['phase'],
      registers: [this.registry],
    });
    this.addSubscriberSource = registerSubscriberMetrics(this.registry);
    this.hookRunFinished = registerHookMetrics(this.registry);
    this.#unsubscribe = options.inputs.subscribe((batch) => node.countEvents(batch));
  }

  /** The full exposition text, UTF-8 encoded, in chunks to be sent one after the other (not joined: see MountExposition). */
  async renderChunks(): Promise<Buffer[]> {
    const started = performance.now();
    const mounts = this.#inputs.mounts();
    const built = performance.now();
    this.#mountsGauge.set(mounts.length);
    const perMount = this.#mountText.render(mounts);
    const formatted = performance.now();
    const chunks = [Buffer.from(`${await this.registry.metrics()}\n`, 'utf8'), ...perMount];
    // Shown by the next scrape: this one's text is already written.
    this.#renderSeconds.set({ phase: 'mount_states' }, (built - started) / 1000);
    this.#renderSeconds.set({ phase: 'mount_text' }, (formatted - built) / 1000);
    this.#renderSeconds.set({ phase: 'registry' }, (performance.now() - formatted) / 1000);
    return chunks;
  }

  /** The full exposition text as a string. */
  async render(): Promise<string> {
    return Buffer.concat(await this.renderChunks()).toString('utf8');
  }

  /** Stops following the event stream; idempotent. */
  close(): void {
    this.#unsubscribe();
  }
}
