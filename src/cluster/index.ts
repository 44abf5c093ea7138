/**
 * @module cluster
 * `fsevd cluster`: a sink-side consumer of many nodes' streams, run beside the scheduler. Node
 * sources (nodes/) list the nodes; membership.ts follows the list; one follower per node
 * (follower.ts) reads its stream through the shared client (api/stream/client.ts) and hands the
 * events to sink.ts, which notes incidents (incidents.ts) and feeds the rules engine (src/rules,
 * the node daemon's engine, state keyed by node) with group commits, before each follower commits
 * its cursor (cursor-store.ts). The scheduler drivers run behind the incident cap (gatedActions);
 * unreachable.ts reports (and optionally drains) nodes that cannot be heard. api/ serves the view.
 */
import { mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import { Registry } from 'prom-client';
import { actions as registeredActions } from '../rules/actions/registry.ts';
import { engineSettings, loadRulesFile, parseRules, RulesEngine, type RuleSet } from '../rules/index.ts';
import type { ActionModule } from '../rules/types.ts';
import { acquireLock, type Lock } from '../util/lock.ts';
import type { ClusterConfig } from './config.ts';
import { CursorStore } from './cursor-store.ts';
import { NodeFollower, type FollowerState } from './follower.ts';
import { IncidentStore } from './incident-store.ts';
import { Incidents } from './incidents.ts';
import { Membership, type MembershipChange } from './membership.ts';
import { registerClusterMetrics } from './metrics.ts';
import { schedulerNamer } from './node-name.ts';
import { nodeSources } from './nodes/registry.ts';
import { EngineSink, gatedActions } from './sink.ts';
import type { NodeSource, NodeSourceModule } from './types.ts';
import { UNREACHABLE_RULE, UnreachableWatch } from './unreachable.ts';

/** How to start the cluster subscriber; `actions` and `now` are test seams. */
export interface ClusterOptions {
  config: ClusterConfig;
  log: Logger;
  actions?: Readonly<Record<string, ActionModule>>;
  now?: () => number;
}

/** The running cluster subscriber. */
export class ClusterService {
  readonly config: ClusterConfig;
  readonly registry = new Registry();
  readonly membership: Membership;
  readonly incidents: Incidents;
  readonly unreachable: UnreachableWatch;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #actions: Readonly<Record<string, ActionModule>>;
  readonly #followers = new Map<string, NodeFollower>();
  readonly #cursors: CursorStore;
  readonly #incidentStore: IncidentStore;
  readonly #sink: EngineSink;
  #engine!: RulesEngine;
  #lock: Lock | undefined;
  #stopping: Promise<void> | undefined;
  /** Follower starts and stops in progress, so stop() waits for them. */
  #changes: Promise<void> = Promise.resolve();

  private constructor(options: ClusterOptions) {
    const { config, log } = options;
    this.config = config;
    this.#log = log;
    this.#now = options.now ?? Date.now;
    const modules = options.actions ?? registeredActions;
    this.#cursors = new CursorStore(config.stateDir, log.child({ component: 'cluster-cursors' }));
    const { capNodes, capPercent, capMinNodes } = config.incidents;
    const cap = () => capNodes ?? Math.max(capMinNodes, Math.floor((capPercent / 100) * this.#followers.size));
    const incidentLog = log.child({ component: 'cluster-incidents' });
    this.#incidentStore = new IncidentStore(config.stateDir, incidentLog);
    this.incidents = new Incidents({ types: config.incidents.types, windowMs: config.incidents.windowSeconds * 1000, minNodes: config.incidents.minNodes, cap }, incidentLog, this.#now, () => this.#incidentStore.changed());
    // The cap's decision is on disk before the action runs: a restart cannot grant the cap twice.
    this.#actions = gatedActions(modules, async (request) => {
      const answer = this.incidents.gate(request);
      await this.#incidentStore.flush();
      return answer;
    });
    this.#sink = new EngineSink({ incidents: this.incidents, durable: () => this.#incidentStore.flush(), log: log.child({ component: 'cluster-sink' }), maxGroup: config.rules.inboxEvents });
    const metrics = registerClusterMetrics(this.registry, {
      followers: () => this.followers(),
      unreachable: (address) => this.unreachable.has(address),
      activeInstances: () => this.#engine.status().instances.filter((i) => i.status === 'active' || i.status === 'healing').length,
      incidentsOpen: (level) => this.incidents.openCount(level),
      incidentTotals: () => this.incidents.totals,
    });
    this.actionRun = metrics.actionRun;
    const unreachableActions = config.unreachable.drain
      ? parseRules({ rules: [{ name: UNREACHABLE_RULE, match: { types: ['NODE_UNREACHABLE'] }, actions: config.unreachable.actions }] }, 'unreachable', { actions: modules, log, now: this.#now }).rules[0]!.actions
      : [];
    this.unreachable = new UnreachableWatch({
      afterMs: config.unreachable.afterSeconds * 1000, actions: unreachableActions, reason: config.unreachable.reason, dryRun: config.rules.dryRun,
      followers: () => this.followers(), log: log.child({ component: 'cluster-unreachable' }), now: this.#now, onDrain: metrics.unreachableDrain,
    });
    const namer = schedulerNamer(config.schedulerName);
    const sourceLog = log.child({ component: 'cluster-nodes' });
    const sources = Object.entries(config.nodes).map(([name, settings]) => ({
      name,
      source: ((nodeSources as Record<string, NodeSourceModule>)[name]!.create as (c: unknown, ctx: unknown) => NodeSource)(settings, { defaultPort: config.connection.port, log: sourceLog.child({ source: name }) }),
    }));
    this.membership = new Membership({ sources, refreshMs: config.refreshSeconds * 1000, log: sourceLog, onChange: (change) => this.#apply(change, namer) });
  }

  /** Records a finished rule action (metrics); the engine calls it. */
  readonly actionRun: (run: { rule: string; action: string; outcome: 'success' | 'failure' | 'timeout' | 'dropped'; durationSeconds: number }) => void;

  /** Starts everything: state dir lock, rules engine, node sources, followers, the unreachability watch. */
  static async start(options: ClusterOptions): Promise<ClusterService> {
    const service = new ClusterService(options);
    await service.#start();
    return service;
  }

  async #start(): Promise<void> {
    await mkdir(this.config.stateDir, { recursive: true });
    this.#lock = await acquireLock(this.config.stateDir);
    try {
      await this.#cursors.open();
      // Before the engine: restored runs of held fires must meet their held marks.
      const incidents = await this.#incidentStore.load();
      if (incidents) this.incidents.restore(incidents);
      this.#incidentStore.attach(() => this.incidents.snapshot());
      this.#engine = await RulesEngine.open({
        rules: await this.loadRules(), log: this.#log.child({ component: 'cluster-rules' }), stateDir: this.config.stateDir, settings: engineSettings(this.config.rules),
        dryRun: this.config.rules.dryRun, now: this.#now, nodeOf: this.#sink.nodeOf, health: (node) => this.#health(node), onRunFinished: (run) => this.actionRun(run),
      });
      this.#sink.attach(this.#engine);
      await this.membership.start();
      this.unreachable.start();
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** The rules of the configured file (none without one); throws ConfigError when invalid. */
  loadRules(): Promise<RuleSet> {
    const file = this.config.rules.file;
    if (!file) return Promise.resolve({ origin: 'none', rules: [] });
    return loadRulesFile(file, { actions: this.#actions, log: this.#log, now: this.#now });
  }

  /** Reloads the rules file; the running rules stay when the new ones are invalid (throws). */
  async reloadRules(): Promise<number> {
    const rules = await this.loadRules();
    this.#engine.replace(rules);
    return rules.rules.length;
  }

  /** The rules engine (status for the API). */
  get engine(): RulesEngine {
    return this.#engine;
  }

  /** Every follower's figures, by address. */
  followers(): FollowerState[] {
    return [...this.#followers.values()].map((f) => f.state());
  }

  /** Stops sources, followers (each finishes its batch and cursor write), then the engine; idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      await this.membership.stop();
      await this.unreachable.stop();
      await this.#changes;
      await Promise.all([...this.#followers.values()].map((f) => f.stop()));
      await this.#engine?.stop();
      await this.#incidentStore.flush();
      await this.#lock?.release();
    })();
    return this.#stopping;
  }

  /** Undo waits while the node cannot be heard (its fsevd is not there to say it is healthy). */
  #health(node: string): { sourcesDown: number; eventsLost: number } {
    const states = this.followers().filter((s) => s.schedulerName === node);
    return { sourcesDown: states.filter((s) => !s.connected).length, eventsLost: states.reduce((sum, s) => sum + s.eventsLostToRetention, 0) };
  }

  #apply(change: MembershipChange, namer: ReturnType<typeof schedulerNamer>): void {
    if (this.#stopping) return;
    this.#log.info({ added: change.added.length, removed: change.removed.length, changed: change.changed.length }, 'Node list changed');
    const stopping = [...change.removed, ...change.changed.map((e) => e.address)].map((address) => {
      const follower = this.#followers.get(address);
      this.#followers.delete(address);
      return follower?.stop();
    });
    this.#changes = this.#changes.then(async () => {
      await Promise.all(stopping);
      for (const endpoint of [...change.added, ...change.changed]) {
        if (this.#stopping) return;
        const follower = new NodeFollower({
          endpoint, connection: this.config.connection, stream: this.config.stream, cursors: this.#cursors, checkpoint: (address) => this.#engine.checkpoint()[address], sink: this.#sink, namer,
          log: this.#log.child({ component: 'cluster-follower' }), now: this.#now,
        });
        this.#followers.set(endpoint.address, follower);
        await follower.start().catch((err: unknown) => this.#log.error({ address: endpoint.address, err }, 'Cannot follow node'));
      }
    });
  }
}
