/**
 * @module cluster/types
 * The contracts of the cluster subscriber: a node's fsevd as a node source lists it
 * (NodeEndpoint), what a node source is (NodeSource, NodeSourceModule), and what the followers
 * hand their events to (ClusterSink: the rules engine behind the incident cap).
 */
import type { TSchema } from '@sinclair/typebox';
import type { Logger } from 'pino';
import type { FsEvent } from '../collector/types.ts';

/** One node's fsevd, as listed by a node source. */
export interface NodeEndpoint {
  /** "host:port" (IPv6 as "[addr]:port"): the node's identity here (cursor file, API, metrics). */
  address: string;
  host: string;
  port: number;
  /** The scheduler's name of the node when the source knows it (slurm, kubernetes); else mapped from the fsevd node name. */
  schedulerName?: string;
  /** Per-node overrides of the connection section. */
  tls?: boolean;
  tokenFile?: string;
  ca?: string;
}

/** What a node source gets when it is created. */
export interface NodeSourceContext {
  /** Port of nodes listed without one. */
  defaultPort: number;
  /** pino child bound to `{ component: 'cluster-nodes', source: <name> }`. */
  log: Logger;
}

/** A configured node source: lists the nodes now (called at start and every refreshSeconds). */
export interface NodeSource {
  /** The current list; throws (FsevdError) when the source cannot be read, and the last good list is kept. */
  list(signal: AbortSignal): Promise<NodeEndpoint[]>;
}

/** What each node-source module exports (one line per module in nodes/registry.ts). */
export interface NodeSourceModule {
  /** TypeBox schema of the source's section under `nodes:`, additionalProperties false. */
  configSchema: TSchema;
  /** Builds the source from validated settings; touches nothing until list(). */
  create(config: never, context: NodeSourceContext): NodeSource;
}

/** A followed node as the sink sees it. */
export interface FollowedNode {
  /** The endpoint's address (identity). */
  address: string;
  /** The node's own name (its `hello`), once connected. */
  fsevdNode: string | undefined;
  /** The scheduler's name of the node (what actions act on). */
  schedulerName: string;
}

/** Where the followers hand their events: resolves once they are handled durably (actions journaled). */
export interface ClusterSink {
  handle(node: FollowedNode, events: readonly FsEvent[]): Promise<void>;
}
