/**
 * @module api/context
 * The read-only facade of the collector that routes use; decorated once on the fastify instance.
 */
import type { FsEvent, MountState, SourceHealth } from '../collector/types.ts';

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
}

declare module 'fastify' {
  interface FastifyInstance {
    fsevd: ApiContext;
  }
}
