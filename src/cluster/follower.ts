/**
 * @module cluster/follower
 * One followed node: its stream client (api/stream/client.ts), a bounded queue of received events,
 * and the loop that hands them to the sink in order and then commits the cursor. The order is the
 * point: events → sink (rules engine; resolves once the resulting actions are journaled, with this
 * node's seq as the engine's checkpoint) → cursor written atomically. A restart of the subscriber
 * resumes after the larger of the cursor and the checkpoint, so nothing is lost or repeated; a
 * restart of the node is the stream client's business (it resumes from its cursor).
 *
 * Flow control: beyond `maxQueued` events the follower stops reading the socket; the node then
 * reports an overflow and the client subscribes again from its cursor, so the node's journal
 * replays what was skipped. Memory per node stays bounded whatever the node sends.
 */
import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { StreamClient, streamUrl, type StreamStatus } from '../api/stream/client.ts';
import type { FsEvent } from '../collector/types.ts';
import type { ConnectionConfig } from './config.ts';
import type { CursorStore } from './cursor-store.ts';
import type { SchedulerNamer } from './node-name.ts';
import type { ClusterSink, FollowedNode, NodeEndpoint } from './types.ts';

/** Events handed to the sink at once (one cursor write per batch). */
const MAX_BATCH = 500;
/** Wait before handing a batch again after the sink failed (disk full, journal error). */
const SINK_RETRY_MS = 1000;
/** Wait before following again after the node refused us (bad token, no stream route). */
const REFUSED_RETRY_MS = 30_000;

/** How the follower gets its settings and collaborators. */
export interface FollowerOptions {
  endpoint: NodeEndpoint;
  connection: ConnectionConfig;
  stream: { filter: Record<string, unknown>; start: 'live' | 'journal'; maxQueued: number };
  cursors: CursorStore;
  /** The resume point the rules engine journaled for this address (see sink.ts), if any. */
  checkpoint: (address: string) => number | undefined;
  sink: ClusterSink;
  namer: SchedulerNamer;
  log: Logger;
  now: () => number;
}

/** A follower's figures, for the API and metrics. */
export interface FollowerState {
  address: string;
  fsevdNode: string | undefined;
  schedulerName: string;
  connected: boolean;
  /** ms since the epoch: when `connected` took its current value. */
  since: number;
  /** Seq of the last event handled durably (undefined before the first). */
  cursor: number | undefined;
  /** Highest seq the node is known to have (hello, subscribed, events). */
  nodeLastSeq: number;
  queued: number;
  /** Age (s) of the oldest event not yet handled; 0 when caught up. */
  lagSeconds: number;
  /** Delay (s) from the last handled event's time to its cursor commit. */
  lastDelaySeconds: number | undefined;
  eventsReceived: number;
  eventsHandled: number;
  overflows: number;
  /** Events the node's journal no longer held when we asked (retention). */
  eventsLostToRetention: number;
  lastError: string | undefined;
}

/** Follows one node's stream into the sink. */
export class NodeFollower {
  readonly #options: FollowerOptions;
  readonly #queue: FsEvent[] = [];
  #client: StreamClient | undefined;
  #draining: Promise<void> | undefined;
  #paused = false;
  #stopped = false;
  #retryTimer: NodeJS.Timeout | undefined;
  readonly #state: FollowerState;

  constructor(options: FollowerOptions) {
    this.#options = options;
    const { endpoint } = options;
    this.#state = {
      address: endpoint.address, fsevdNode: undefined, schedulerName: options.namer(endpoint, undefined), connected: false, since: options.now(),
      cursor: undefined, nodeLastSeq: 0, queued: 0, lagSeconds: 0, lastDelaySeconds: undefined, eventsReceived: 0, eventsHandled: 0, overflows: 0, eventsLostToRetention: 0, lastError: undefined,
    };
  }

  /** The endpoint followed. */
  get endpoint(): NodeEndpoint {
    return this.#options.endpoint;
  }

  /** Current figures (a copy). */
  state(): FollowerState {
    const oldest = this.#queue[0];
    const lagSeconds = oldest ? Math.max(0, (this.#options.now() - Date.parse(oldest.time)) / 1000) || 0 : 0;
    return { ...this.#state, queued: this.#queue.length, lagSeconds };
  }

  /** Reads the stored cursor and starts following. */
  async start(): Promise<void> {
    const stored = await this.#options.cursors.read(this.#options.endpoint.address);
    const journaled = this.#options.checkpoint(this.#options.endpoint.address);
    const cursor = stored === undefined && journaled === undefined ? undefined : Math.max(stored?.cursor ?? 0, journaled ?? 0);
    this.#state.cursor = cursor;
    if (stored?.fsevdNode) this.#named(stored.fsevdNode);
    await this.#follow(cursor ?? (this.#options.stream.start === 'journal' ? 0 : undefined));
  }

  /** Stops following; waits for the batch in the sink and its cursor write. Idempotent. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    this.#client?.stop();
    await this.#draining;
  }

  async #follow(cursor: number | undefined): Promise<void> {
    if (this.#stopped) return;
    const { endpoint, connection } = this.#options;
    const tls = endpoint.tls ?? connection.tls;
    const tokenFile = endpoint.tokenFile ?? connection.tokenFile;
    const caFile = endpoint.ca ?? connection.ca;
    let headers: Record<string, string> = {};
    let ca: Buffer | undefined;
    try {
      if (tokenFile) headers = { authorization: `Bearer ${(await readFile(tokenFile, 'utf8')).trim()}` };
      if (caFile) ca = await readFile(caFile);
    } catch (err) {
      return this.#refused(`cannot read the token or CA file: ${(err as Error).message}`);
    }
    const client = new StreamClient(
      { url: streamUrl(`${tls ? 'https' : 'http'}://${endpoint.address}`), headers, ...(ca ? { ca } : {}), filter: this.#options.stream.filter, idPrefix: 'cluster', ...(cursor === undefined ? {} : { cursor }) },
      { events: (_items, events) => this.#received(events), status: (status) => this.#status(status) },
    );
    this.#client = client;
    if (this.#paused) client.pause();
    client.run().catch((err: Error) => this.#refused(err.message));
  }

  #refused(message: string): void {
    this.#state.lastError = message;
    this.#setConnected(false);
    this.#options.log.error({ address: this.#options.endpoint.address, err: { message } }, 'Node refused the stream; trying again later');
    // The queue may still hold events the client received: resume after them, not after the commit.
    const resumeAfter = this.#queue.at(-1)?.seq ?? this.#client?.cursor ?? this.#state.cursor;
    this.#retryTimer = setTimeout(() => void this.#follow(resumeAfter), REFUSED_RETRY_MS);
  }

  #status(status: StreamStatus): void {
    const log = this.#options.log;
    const address = this.#options.endpoint.address;
    switch (status.kind) {
      case 'connected':
        this.#named(status.hello.node);
        this.#state.nodeLastSeq = Math.max(this.#state.nodeLastSeq, Number(status.hello.lastSeq) || 0);
        this.#state.lastError = undefined;
        this.#setConnected(true);
        log.info({ address, node: status.hello.node, resumeAfter: status.resumeAfter }, 'Connected to node');
        return;
      case 'subscribed':
        if (status.warning) log.warn({ address, warning: status.warning }, 'Node reset our cursor');
        return;
      case 'disconnected':
        this.#state.lastError = status.why;
        if (this.#state.connected) log.warn({ address, why: status.why }, 'Lost the node; reconnecting');
        this.#setConnected(false);
        return;
      case 'overflow':
        this.#state.overflows++;
        return;
      case 'retention':
        this.#state.eventsLostToRetention += status.count;
        log.warn({ address, ...status }, 'Events of the node are no longer in its journal');
    }
  }

  #named(fsevdNode: string): void {
    this.#state.fsevdNode = fsevdNode;
    this.#state.schedulerName = this.#options.namer(this.#options.endpoint, fsevdNode);
  }

  #setConnected(connected: boolean): void {
    if (this.#state.connected === connected) return;
    this.#state.connected = connected;
    this.#state.since = this.#options.now();
  }

  #received(events: readonly FsEvent[]): void {
    this.#queue.push(...events);
    this.#state.eventsReceived += events.length;
    this.#state.nodeLastSeq = Math.max(this.#state.nodeLastSeq, events.at(-1)!.seq);
    if (this.#queue.length >= this.#options.stream.maxQueued && !this.#paused) {
      this.#paused = true;
      this.#client?.pause();
    }
    this.#draining ??= this.#drain().finally(() => (this.#draining = undefined));
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.slice(0, MAX_BATCH);
      const node: FollowedNode = { address: this.#state.address, fsevdNode: this.#state.fsevdNode, schedulerName: this.#state.schedulerName };
      try {
        await this.#options.sink.handle(node, batch);
        const last = batch.at(-1)!;
        await this.#options.cursors.write({ address: node.address, cursor: last.seq, ...(node.fsevdNode ? { fsevdNode: node.fsevdNode } : {}), time: new Date(this.#options.now()).toISOString() });
        this.#queue.splice(0, batch.length);
        this.#state.cursor = last.seq;
        this.#state.eventsHandled += batch.length;
        this.#state.lastDelaySeconds = Math.max(0, (this.#options.now() - Date.parse(last.time)) / 1000) || 0;
      } catch (err) {
        this.#state.lastError = `handling events failed: ${(err as Error).message}`;
        this.#options.log.error({ address: node.address, err }, 'Handling events failed; retrying the batch');
        if (this.#stopped) return;
        await new Promise((resolve) => setTimeout(resolve, SINK_RETRY_MS));
      }
      if (this.#stopped) return;
      if (this.#paused && this.#queue.length < this.#options.stream.maxQueued / 2) {
        this.#paused = false;
        this.#client?.resume();
      }
    }
  }
}
