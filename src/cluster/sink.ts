/**
 * @module cluster/sink
 * Where the followers' events go: the incidents tracker, then the rules engine (src/rules), with
 * a group commit. Batches that arrive from many nodes while the engine journals the previous group
 * are accepted together and journaled with one write (`engine.flush(checkpoint)`), and each
 * follower's handle() resolves only once its events are evaluated and the resulting actions are on
 * disk. The incidents those events changed are written first (durable()). The engine journals each node's last seq with that state (its checkpoint), so a crash
 * between that write and the follower's own cursor file loses and repeats nothing: at start a
 * follower resumes after the larger of the two.
 *
 * The engine names nodes through nodeOf(event): events carry the fsevd node name, and this sink
 * remembers which scheduler name each one maps to (set by the followers from their endpoint and
 * the mapping). Two addresses that claim the same fsevd node name would share rule state: that is
 * logged once.
 */
import type { Logger } from 'pino';
import type { FsEvent } from '../collector/types.ts';
import type { Action, ActionModule, ActionRequest, ActionResult } from '../rules/types.ts';
import type { Incidents } from './incidents.ts';
import type { ClusterSink, FollowedNode } from './types.ts';

/** What the sink needs of the rules engine. */
export interface EngineFeed {
  accept(batch: readonly FsEvent[]): void;
  /** Evaluates what was accepted and journals it with these resume points (seq per address). */
  flush(checkpoint: Readonly<Record<string, number>>): Promise<void>;
}

interface Waiting {
  address: string;
  events: readonly FsEvent[];
  done: () => void;
  failed: (err: Error) => void;
}

/** Feeds the rules engine with group commits. */
export class EngineSink implements ClusterSink {
  readonly #incidents: Incidents;
  /** Resolves once the incidents' changes so far are on disk. */
  readonly #durable: () => Promise<void>;
  readonly #log: Logger;
  /** Most events accepted before one flush: the engine's inbox bound (it drops beyond it). */
  readonly #maxGroup: number;
  #engine: EngineFeed | undefined;
  #waiting: Waiting[] = [];
  #committing = false;
  /** fsevd node name → scheduler name and the address that claimed it. */
  readonly #names = new Map<string, { schedulerName: string; address: string; warned: boolean }>();

  constructor(options: { incidents: Incidents; durable: () => Promise<void>; log: Logger; maxGroup: number }) {
    this.#incidents = options.incidents;
    this.#durable = options.durable;
    this.#log = options.log;
    this.#maxGroup = options.maxGroup;
  }

  /** Connects the engine (built after the sink, since it needs nodeOf). */
  attach(engine: EngineFeed): void {
    this.#engine = engine;
  }

  /** The scheduler name of an event's node (the engine's nodeOf). */
  nodeOf = (event: FsEvent): string => this.#names.get(event.node)?.schedulerName ?? event.node;

  handle(node: FollowedNode, events: readonly FsEvent[]): Promise<void> {
    for (const name of new Set(events.map((e) => e.node))) this.#claim(name, node);
    this.#incidents.observe(node.schedulerName, events);
    return new Promise((done, failed) => {
      this.#waiting.push({ address: node.address, events, done, failed });
      if (!this.#committing) void this.#commit();
    });
  }

  #claim(fsevdNode: string, node: FollowedNode): void {
    const known = this.#names.get(fsevdNode);
    if (!known) return void this.#names.set(fsevdNode, { schedulerName: node.schedulerName, address: node.address, warned: false });
    if (known.address !== node.address && !known.warned) {
      known.warned = true;
      this.#log.warn({ fsevdNode, addresses: [known.address, node.address] }, 'Two addresses report the same fsevd node name; they share rule state');
    }
    known.schedulerName = node.schedulerName;
  }

  async #commit(): Promise<void> {
    this.#committing = true;
    while (this.#waiting.length > 0) {
      const group: Waiting[] = [];
      let size = 0;
      while (this.#waiting.length > 0 && (group.length === 0 || size + this.#waiting[0]!.events.length <= this.#maxGroup)) {
        const next = this.#waiting.shift()!;
        group.push(next);
        size += next.events.length;
      }
      try {
        if (!this.#engine) throw new Error('the rules engine is not running');
        const checkpoint: Record<string, number> = {};
        for (const { address, events } of group) {
          this.#engine.accept(events);
          checkpoint[address] = events.at(-1)!.seq;
        }
        await this.#durable();
        await this.#engine.flush(checkpoint);
        for (const { done } of group) done();
      } catch (err) {
        for (const { failed } of group) failed(err as Error);
      }
    }
    this.#committing = false;
  }
}

/** The action modules with `gate` in front of every run (the incident cap); undefined from it lets the run go ahead. */
export function gatedActions(modules: Readonly<Record<string, ActionModule>>, gate: (request: ActionRequest) => Promise<ActionResult | undefined>): Record<string, ActionModule> {
  const wrap = (module: ActionModule): ActionModule => ({
    configSchema: module.configSchema,
    create: (config: never, context) => {
      const action = module.create(config, context);
      const gated: Action = {
        undoable: action.undoable,
        ...(action.idempotent === undefined ? {} : { idempotent: action.idempotent }),
        run: async (request) => (await gate(request)) ?? action.run(request),
      };
      return gated;
    },
  });
  return Object.fromEntries(Object.entries(modules).map(([name, module]) => [name, wrap(module)]));
}
