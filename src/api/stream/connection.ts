/**
 * @module api/stream/connection
 * What WebSocket and SSE connections share: their subscriptions, and the flush that writes every
 * subscription's pending events in one corked write per event-loop turn. A connection whose peer
 * does not keep up (more than HIGH_WATER_BYTES waiting in Node) is not written to until its socket
 * drains; meanwhile its subscriptions' bounded queues fill and overflow into `lost` notices, so it
 * costs the daemon bounded memory and never slows anyone else.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { FsEvent } from '../../collector/types.ts';
import type { ApiConfig } from '../config.ts';
import type { SubscriberTransport } from '../metrics/index.ts';
import type { Format } from './protocol.ts';
import type { History, QueueItem, Subscription, SubscriptionOwner } from './subscription.ts';

/**
 * Bytes a connection may have waiting in Node's socket buffer before it counts as not keeping up.
 * Above a busy client's usual backlog (a few batches), small enough that 1,000 stalled peers
 * cost at most ~128 MiB on top of the kernel's own socket buffers.
 */
export const HIGH_WATER_BYTES = 128 * 1024;

/** Where a connection's messages go. */
export interface StreamSink {
  /** Bytes accepted but not yet handed to the kernel. */
  bufferedBytes(): number;
  /** Writes the messages, as one system call where possible. */
  write(messages: readonly string[]): void;
}

/** What connections need of the fan-out that owns them (the Hub; declared here so neither imports the other). */
export interface ConnectionHost {
  readonly log: FastifyBaseLogger;
  /** The journal, for replays. */
  readonly history: History;
  /** The api settings in force. */
  readonly settings: ApiConfig;
  /** Facts for the `hello` message. */
  readonly identity: { node: string; version: string; lastSeq: number };
  /** Flushes the connection right after the current batch or callback. */
  schedule(connection: Connection): void;
  /** Forgets a closed connection. */
  remove(connection: Connection): void;
  /** Counts one event dropped for a subscriber that did not keep up. */
  countDropped(transport: SubscriberTransport): void;
  /** The JSON text of an event in a format (computed once per flush). */
  serialize(event: FsEvent, format: Format): string;
}

/** A client connection carrying one or more subscriptions. */
export abstract class Connection implements SubscriptionOwner {
  /** Subscriptions by the client's id. */
  readonly subscriptions = new Map<string, Subscription>();
  /** Set by the hub while a flush of this connection is scheduled. */
  due = false;
  /** Which transport this is, for /metrics. */
  abstract readonly transport: SubscriberTransport;
  protected readonly hub: ConnectionHost;
  protected abstract readonly sink: StreamSink;
  #waiters: Array<() => void> = [];
  #ended = false;

  constructor(hub: ConnectionHost) {
    this.hub = hub;
  }

  /** Encodes a subscription's items as this transport's messages, appending to `out`. */
  protected abstract encode(subscription: Subscription, items: readonly QueueItem[], out: string[]): void;

  /** Called every heartbeat period: detect a dead or stalled peer, keep proxies from timing out. */
  abstract heartbeat(): void;

  /** Closes the connection (daemon stopping, peer misbehaving); `ended()` follows. */
  abstract close(code: number, reason: string): void;

  /** Reports a failed replay to the client and drops that subscription. */
  abstract failed(subscription: Subscription, err: unknown): void;

  wake(): void {
    this.hub.schedule(this);
  }

  dropped(): void {
    this.hub.countDropped(this.transport);
  }

  room(): Promise<void> {
    if (this.#ended) return Promise.resolve();
    return new Promise((resolve) => {
      this.#waiters.push(resolve);
      this.hub.schedule(this);
    });
  }

  /** Whether the peer is behind (its socket buffer is above the high-water mark). */
  get behind(): boolean {
    return this.sink.bufferedBytes() > HIGH_WATER_BYTES;
  }

  /** Writes what every subscription has pending, unless the peer is behind (its drain reschedules). */
  flush(): void {
    if (this.#ended || this.behind) return;
    const out: string[] = [];
    for (const subscription of this.subscriptions.values()) {
      if (subscription.pending) this.encode(subscription, subscription.take(), out);
    }
    if (out.length > 0) this.sink.write(out);
    if (this.#waiters.length > 0 && !this.behind) this.#release();
  }

  /** Must be called once the transport is closed: drops subscriptions and leaves the hub. */
  protected ended(): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const subscription of this.subscriptions.values()) subscription.close();
    this.subscriptions.clear();
    this.#release();
    this.hub.remove(this);
  }

  /** Whether ended() ran. */
  protected get isEnded(): boolean {
    return this.#ended;
  }

  #release(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }
}
