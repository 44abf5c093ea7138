/**
 * @module api/context
 * The read-only facade of the collector that routes use; decorated once on the fastify instance.
 */
import type { FsEvent, MountState, SourceHealth } from '../collector/types.ts';

/** Receives each published batch of events, in sequence order; must not block. */
export type BatchListener = (events: readonly FsEvent[]) => void;

/** What the API may ask of the daemon. */
export interface ApiContext {
  node: string;
  version: string;
  mounts(): MountState[];
  mount(mountId: number): MountState | undefined;
  /** Events after `since` from the journal, at most `limit`. */
  events(since: number, limit: number): Promise<FsEvent[]>;
  /** First and last sequence numbers the journal holds. */
  journalRange(): { firstSeq: number; lastSeq: number };
  sources(): Array<SourceHealth & { name: string }>;
  /** Live events as they are published (after the journal write); returns the unsubscribe function. */
  subscribe(listener: BatchListener): () => void;
}

declare module 'fastify' {
  interface FastifyInstance {
    fsevd: ApiContext;
  }
}
