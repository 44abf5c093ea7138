/**
 * @module api/context
 * The read-only facade of the collector that routes use; decorated once on the fastify instance.
 */
import type { FsEvent, MountState, Observation, SourceHealth } from '../collector/types.ts';
import type { ThresholdStore } from '../collector/thresholds/store.ts';
import type { ApiConfig } from './config.ts';
import type { DaemonMetrics } from './metrics/index.ts';
import type { RulesApi } from '../rules/daemon-rules.ts';

/** Receives each published batch of events, in sequence order; must not block. */
export type BatchListener = (events: readonly FsEvent[]) => void;

/** What the API may ask of the daemon. */
export interface ApiContext {
  node: string;
  version: string;
  mounts(): MountState[];
  mount(mountId: number): MountState | undefined;
  /** Events after `since` from the journal, at most `limit` of those `filter` accepts (all without one). */
  events(since: number, limit: number, filter?: (event: FsEvent) => boolean): Promise<FsEvent[]>;
  /** First and last sequence numbers the journal holds. */
  journalRange(): { firstSeq: number; lastSeq: number };
  sources(): Array<SourceHealth & { name: string }>;
  /** Live events as they are published (after the journal write); returns the unsubscribe function. */
  subscribe(listener: BatchListener): () => void;
  /**
   * Feeds an observation into the pipeline as if a source had seen it; returns the seq it was
   * given, or undefined when correlation folded it into another event or holds it back.
   */
  inject(observation: Observation): number | undefined;
  /** The `api` configuration in force (tokens, limits); re-read on use, so a reload applies at once. */
  apiConfig(): ApiConfig;
  /** The threshold configuration (read format, versioned writes); absent in bare test contexts. */
  thresholds?: Pick<ThresholdStore, 'document' | 'write'>;
  /** The daemon's metrics (GET /metrics; transports register their subscriber figures here); absent in bare test contexts. */
  metrics?: DaemonMetrics;
  /** The rules engine (GET /api/v1/rules, POST /api/v1/rules/reload); absent in bare test contexts. */
  rules?: RulesApi;
}

declare module 'fastify' {
  interface FastifyInstance {
    fsevd: ApiContext;
  }
}
