/**
 * @module daemon
 * Wires the data flow (sources → gatherer → pipeline → journal → api) and owns its lifecycle:
 * start, reload (validate whole, apply whole, or keep the old config) and a clean stop.
 */
import { mkdir } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import type { BatchListener } from './api/context.ts';
import { DaemonMetrics } from './api/metrics/index.ts';
import { buildServer } from './api/server.ts';
import { Gatherer } from './collector/gatherer.ts';
import { Journal } from './collector/journal/index.ts';
import { MountTable } from './collector/mounts/table.ts';
import { Pipeline } from './collector/pipeline/index.ts';
import { RunningSource } from './collector/running-source.ts';
import { SpaceMap } from './collector/space-store.ts';
import { parseThresholdsSection } from './collector/thresholds/schema.ts';
import { ThresholdStore } from './collector/thresholds/store.ts';
import { sources as sourceRegistry, type SourceName } from './collector/sources/registry.ts';
import { isRefreshable, type FsEvent, type Observation, type SourcePaths } from './collector/types.ts';
import { DaemonRules } from './rules/daemon-rules.ts';
import type { Config } from './config/schema.ts';
import { FsevdError } from './errors.ts';
import { acquireLock, type Lock } from './util/lock.ts';
import { parseListen } from './util/listen.ts';
import { throttle } from './util/throttle.ts';
import { version } from './version.ts';

/** Least time between two looks at the other sources prompted by trouble (the first look is at once). */
const REFRESH_INTERVAL_MS = 250;

/** How to start a daemon. */
export interface DaemonOptions {
  config: Config;
  log: Logger;
  /** Where /proc, /sys and /dev are (tests point elsewhere). */
  paths?: Partial<Omit<SourcePaths, 'stateDir'>>;
  now?: () => number;
}

/** A running daemon. */
export class Daemon {
  readonly #log: Logger;
  readonly #mountTable = new MountTable();
  readonly #space = new SpaceMap();
  #thresholds!: ThresholdStore;
  readonly #now: () => number;
  #config: Config;
  #journal!: Journal;
  #pipeline!: Pipeline;
  #app!: FastifyInstance;
  #metrics: DaemonMetrics | undefined;
  #rules: DaemonRules | undefined;
  #lock!: Lock;
  #sources = new Map<SourceName, RunningSource>();
  #paths!: SourcePaths;
  #stopping: Promise<void> | undefined;
  readonly #refreshAfterTrouble = throttle(() => this.#refreshAll('trouble reported'), REFRESH_INTERVAL_MS);

  private constructor(options: DaemonOptions) {
    this.#config = options.config;
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
  }

  /** Starts everything; throws FsevdError when the state dir, journal or port is unusable. */
  static async start(options: DaemonOptions): Promise<Daemon> {
    const daemon = new Daemon(options);
    try {
      await daemon.#start(options);
    } catch (err) {
      await daemon.stop();
      throw err;
    }
    return daemon;
  }

  async #start(options: DaemonOptions): Promise<void> {
    const config = this.#config;
    try {
      await mkdir(config.stateDir, { recursive: true, mode: 0o750 });
    } catch (err) {
      throw new FsevdError('FSEVD_E_STARTUP', `Cannot create state dir ${config.stateDir}: ${(err as Error).message} (use --state-dir)`, { cause: err });
    }
    this.#lock = await acquireLock(config.stateDir);
    this.#paths = { proc: '/proc', sys: '/sys', dev: '/dev', ...options.paths, stateDir: config.stateDir };
    this.#journal = await Journal.open({ dir: `${config.stateDir}/journal`, ...config.journal, log: this.#log.child({ component: 'journal' }) });
    this.#thresholds = await ThresholdStore.open(config.thresholds, { stateDir: config.stateDir, sys: this.#paths.sys, mounts: this.#mountTable, space: this.#space, log: this.#log.child({ component: 'thresholds' }) });
    this.#pipeline = new Pipeline({
      node: config.node,
      journal: this.#journal,
      gatherer: new Gatherer(this.#mountTable),
      mounts: this.#mountTable,
      log: this.#log.child({ component: 'pipeline' }),
      logEvents: config.logEvents,
      now: this.#now,
      correlation: config.correlation,
      space: this.#space,
    });
    this.#pipeline.subscribe((batch) => {
      // Error-driven flags (ext4 emergency_ro, shutdown) raise no mountinfo poll event: look again.
      // Warnings too: a repaired btrfs block (CORRECTED_CHECKSUM_ERROR) moves the corruption
      // counters, which then fold into its fault while it is still open.
      // Deferred (end of the pipeline's turn): subscribers should not wait for it. Throttled: a
      // look costs ~5 ms of this thread (mountinfo, every sysfs counter), so many faults in a row
      // get one look at once and one more when the interval ends, not one each.
      if (batch.some((e) => (e.class === 'error' || e.class === 'warning') && !e.sources.includes('mountinfo'))) this.#refreshAfterTrouble.call();
    }, { deferred: true });
    // Before any source starts, so that every published event is counted; a registry per daemon.
    // Its counters are bookkeeping read at scrape time: deferred, so subscribers do not wait for them.
    this.#metrics = new DaemonMetrics({ registry: new Registry(), inputs: { ...this.#apiContext(), subscribe: (listener) => this.#pipeline.subscribe(listener, { deferred: true }), journalSizeBytes: () => this.#journal.sizeBytes } });
    // Before the sources, so that the rules see every event.
    const metrics = this.#metrics;
    this.#rules = await DaemonRules.start({ config: config.rules, stateDir: config.stateDir, log: this.#log.child({ component: 'rules' }), now: this.#now, sources: () => this.#apiContext().sources(), onRunFinished: (run) => metrics.hookRunFinished(run) });
    const rules = this.#rules;
    this.#pipeline.subscribe((batch) => rules.accept(batch));
    // The mount table first: every other source maps what it hears through it.
    for (const name of Object.keys(sourceRegistry) as SourceName[]) await this.#startSource(name);
    this.#rehearseFault();
    this.#app = await buildServer({ ...this.#apiContext(), metrics: this.#metrics }, this.#log);
    const { host, port } = parseListen(config.listen);
    try {
      await this.#app.listen({ host, port });
    } catch (err) {
      throw new FsevdError('FSEVD_E_STARTUP', `Cannot listen on ${config.listen}: ${(err as Error).message}`, { cause: err });
    }
    this.#log.info({ address: this.address, node: config.node, stateDir: config.stateDir, lastSeq: this.#journal.lastSeq, version }, 'fsevd ready');
  }

  /** The bound HTTP address (useful with port 0). */
  get address(): { host: string; port: number } {
    const bound = this.#app?.server.address();
    if (!bound || typeof bound === 'string') return { host: '', port: 0 };
    return { host: bound.address, port: bound.port };
  }

  /** The configuration in force. */
  get config(): Config {
    return this.#config;
  }

  /** Subscribes in-process to published event batches (what stream clients get); returns the unsubscribe function. */
  subscribe(listener: BatchListener): () => void {
    return this.#pipeline.subscribe(listener);
  }

  /** Applies a new, already validated configuration; returns what needs a restart to change. */
  async reload(next: Config): Promise<string[]> {
    parseThresholdsSection(next.thresholds);
    const needRestart = (['listen', 'stateDir', 'node', 'journal'] as const).filter((key) => JSON.stringify(next[key]) !== JSON.stringify(this.#config[key]));
    const previous = this.#config;
    this.#config = { ...next, ...Object.fromEntries(needRestart.map((key) => [key, previous[key]])) };
    // The certificate is loaded when the server is built; the rest of the api section applies at once.
    const tlsChanged = JSON.stringify(next.api.tls) !== JSON.stringify(previous.api.tls);
    if (tlsChanged) this.#config.api = { ...this.#config.api, tls: previous.api.tls };
    this.#log.level = next.logLevel;
    this.#pipeline.setLogEvents(next.logEvents);
    this.#pipeline.setCorrelation(next.correlation);
    if (JSON.stringify(next.thresholds) !== JSON.stringify(previous.thresholds)) await this.#thresholds.reload(next.thresholds);
    // The rules file is read again even when its path is unchanged: SIGHUP is how an edit applies.
    await this.#rules?.reloadConfig(next.rules);
    for (const name of Object.keys(sourceRegistry) as SourceName[]) {
      if (JSON.stringify(next.sources[name]) === JSON.stringify(previous.sources[name])) continue;
      await this.#sources.get(name)?.stop();
      this.#sources.delete(name);
      await this.#startSource(name);
    }
    return tlsChanged ? [...needRestart, 'api.tls'] : needRestart;
  }

  /** Stops the API, the sources, flushes the pipeline and closes the journal; idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      await this.#app?.close().catch((err: unknown) => this.#log.warn({ err }, 'HTTP server close failed'));
      for (const source of this.#sources.values()) await source.stop();
      this.#metrics?.close();
      this.#pipeline?.close();
      // After the pipeline's last deferred listeners, which may have asked for one more look.
      this.#refreshAfterTrouble.cancel();
      await this.#rules?.stop();
      await this.#journal?.close();
      await this.#lock?.release();
    })();
    return this.#stopping;
  }

  async #startSource(name: SourceName): Promise<void> {
    const sourceConfig = this.#config.sources[name];
    if (!sourceConfig.enabled) return;
    const module = sourceRegistry[name];
    const running = new RunningSource(module.create(sourceConfig as never, { mountTable: this.#mountTable, space: this.#space, thresholds: this.#thresholds }), {
      log: this.#log,
      paths: this.#paths,
      mounts: this.#mountTable,
      now: this.#now,
      deliver: (obs) => this.#pipeline.accept(obs),
    });
    this.#sources.set(name, running);
    await running.start();
  }

  /** Rehearses a filesystem error on a mounted block device (see Pipeline.rehearse); nothing is published. */
  #rehearseFault(): void {
    const mounts = this.#mountTable.all();
    const mount = mounts.find((m) => m.major !== 0) ?? mounts[0];
    try {
      this.#pipeline.rehearse({ type: 'FS_ERROR', source: 'fanotify', time: this.#now(), data: { errno: 5, errorCount: 1 }, ...(mount && { mount: { devno: { major: mount.major, minor: mount.minor } } }) });
    } catch (err) {
      // Only the first fault's latency depends on it.
      this.#log.warn({ err }, 'Rehearsing the fault path failed; the first fault may be published a little later');
    }
  }

  #refreshAll(reason: string): void {
    for (const running of this.#sources.values()) if (isRefreshable(running.source)) running.source.refresh(reason);
  }

  #apiContext() {
    return {
      node: this.#config.node,
      version,
      mounts: () => this.#pipeline.mountStates(),
      mount: (mountId: number) => this.#pipeline.mountStateById(mountId),
      events: (since: number, limit: number, filter?: (event: FsEvent) => boolean) => this.#journal.read(since, limit, filter),
      journalRange: () => ({ firstSeq: this.#journal.firstSeq, lastSeq: this.#journal.lastSeq }),
      sources: () => [...this.#sources.values()].map((s) => ({ name: s.name, ...s.health() })),
      subscribe: (listener: BatchListener) => this.#pipeline.subscribe(listener),
      inject: (observation: Observation) => {
        const before = this.#pipeline.lastSeq;
        this.#pipeline.accept(observation);
        return this.#pipeline.lastSeq > before ? this.#pipeline.lastSeq : undefined;
      },
      apiConfig: () => this.#config.api,
      thresholds: this.#thresholds,
      rules: this.#rules,
    };
  }
}
