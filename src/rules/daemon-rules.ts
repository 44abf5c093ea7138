/**
 * @module rules/daemon-rules
 * The rules engine as the node daemon runs it: rules from the `rules.file` of the config, the
 * local node's health from its sources, hook metrics, and reload (SIGHUP through Daemon.reload,
 * or POST /api/v1/rules/reload) that swaps in a new file only when it is valid whole. The daemon
 * feeds it with `accept` from its pipeline subscription.
 */
import type { Logger } from 'pino';
import type { HookRun } from '../api/metrics/index.ts';
import type { FsEvent, SourceHealth } from '../collector/types.ts';
import { actions } from './actions/registry.ts';
import { engineSettings, RulesEngine, type NodeHealth, type RulesStatus } from './index.ts';
import { loadRulesFile, type RuleSet } from './parse.ts';
import type { RulesConfig } from './schema.ts';

/** How often the sources' states are sampled to tell "went down" from "never came up". */
const SOURCE_SAMPLE_MS = 5000;

/** What the daemon gives. */
export interface DaemonRulesOptions {
  config: RulesConfig;
  stateDir: string;
  log: Logger;
  now: () => number;
  sources: () => Array<SourceHealth & { name: string }>;
  onRunFinished: (run: HookRun) => void;
}

/** What the API may ask of the rules. */
export interface RulesApi {
  status(): RulesStatus & { file: string | undefined };
  /** Reloads the rules file; throws ConfigError (every problem) and keeps the rules in force. */
  reload(): Promise<{ rules: number }>;
}

/** The daemon's rules. */
export class DaemonRules implements RulesApi {
  readonly #options: DaemonRulesOptions;
  #config: RulesConfig;
  readonly #engine: RulesEngine;
  /** Sources seen up at least once: only those count as down (a missing kernel feature is not ill health). */
  readonly #everUp = new Set<string>();
  readonly #sampler: NodeJS.Timeout;

  private constructor(options: DaemonRulesOptions, engine: RulesEngine) {
    this.#options = options;
    this.#config = options.config;
    this.#engine = engine;
    this.#sampler = setInterval(() => this.#sample(), SOURCE_SAMPLE_MS).unref();
  }

  /** Loads the rules file (a bad one refuses the start with ConfigError) and opens the engine. */
  static async start(options: DaemonRulesOptions): Promise<DaemonRules> {
    const rules = await load(options.config, options);
    let self: DaemonRules | undefined;
    const engine = await RulesEngine.open({
      rules,
      log: options.log,
      stateDir: options.stateDir,
      settings: engineSettings(options.config),
      dryRun: options.config.dryRun,
      now: options.now,
      health: () => self?.health() ?? { sourcesDown: 0, eventsLost: 0 },
      onRunFinished: options.onRunFinished,
    });
    self = new DaemonRules(options, engine);
    self.#sample();
    options.log.info({ file: options.config.file, rules: rules.rules.length, dryRun: options.config.dryRun }, 'Rules loaded');
    return self;
  }

  /** Feeds a published batch (returns at once). */
  accept(batch: readonly FsEvent[]): void {
    this.#engine.accept(batch);
  }

  /** The local node's health as the engine judges it. */
  health(): NodeHealth {
    this.#sample();
    const sources = this.#options.sources();
    return {
      sourcesDown: sources.filter((s) => s.state === 'down' && (this.#everUp.has(s.name) || s.emitted > 0)).length,
      eventsLost: sources.reduce((sum, s) => sum + s.lost, 0),
    };
  }

  /** Applies a new `rules` section (SIGHUP): reloads the file; keeps the old rules when it is invalid. Engine settings apply after a restart. */
  async reloadConfig(config: RulesConfig): Promise<void> {
    const previous = this.#config;
    this.#config = { ...previous, file: config.file };
    try {
      await this.reload();
    } catch (err) {
      this.#config = previous;
      this.#options.log.error({ err: { message: (err as Error).message }, file: config.file }, 'Rules reload rejected; keeping the rules in force');
    }
  }

  /** Reloads the rules file. */
  async reload(): Promise<{ rules: number }> {
    const rules = await load(this.#config, this.#options);
    this.#engine.replace(rules);
    return { rules: rules.rules.length };
  }

  /** Rules, instances, pending actions, recent runs. */
  status(): RulesStatus & { file: string | undefined } {
    return { file: this.#config.file, ...this.#engine.status() };
  }

  /** Stops the engine (running actions get stopGrace; queued ones stay journaled). */
  async stop(): Promise<void> {
    clearInterval(this.#sampler);
    await this.#engine.stop();
  }

  #sample(): void {
    for (const source of this.#options.sources()) if (source.state === 'up') this.#everUp.add(source.name);
  }
}

function load(config: RulesConfig, options: DaemonRulesOptions): Promise<RuleSet> {
  const parse = { actions, log: options.log, now: options.now };
  if (config.file === undefined) return Promise.resolve({ origin: '(no rules.file)', rules: [] });
  return loadRulesFile(config.file, parse);
}
