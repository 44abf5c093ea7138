/**
 * @module api/stream/hub
 * The fan-out: one listener on the published stream hands each batch to every subscription of
 * every connection (each filters and queues on its own), then flushes every connection that got
 * something, once, right after the batch (a microtask), so each client gets one write per batch
 * however many events and subscriptions it has. Each event is serialised once per format and
 * flush however many subscribers receive it. The hub also counts connections against api.limits.connections,
 * drives the heartbeat, and closes every stream when the server stops.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { FsEvent } from '../../collector/types.ts';
import { FsevdError } from '../../errors.ts';
import { toCloudEvent } from '../cloudevents.ts';
import type { ApiConfig } from '../config.ts';
import type { ApiContext } from '../context.ts';
import type { SubscriberStats, SubscriberTransport } from '../metrics/index.ts';
import type { Connection, ConnectionHost } from './connection.ts';
import type { Format } from './protocol.ts';
import type { History } from './subscription.ts';

/** WebSocket close code sent when the daemon stops (RFC 6455 "going away"). */
export const CLOSE_GOING_AWAY = 1001;

/** The stream fan-out of one server. */
export class Hub implements ConnectionHost {
  readonly log: FastifyBaseLogger;
  readonly #context: ApiContext;
  readonly #connections = new Set<Connection>();
  #due: Connection[] = [];
  #flushQueued = false;
  /**
   * Texts of the events serialised during the current flush, by format. Cleared after each flush:
   * a WeakMap kept across flushes cost more in garbage collection (ephemeron tables) than the
   * rare re-serialisation of an event that waits in a slow subscriber's queue.
   */
  readonly #texts: Record<Format, Map<FsEvent, string>> = { fsevd: new Map(), cloudevents: new Map() };
  #stopLive: (() => void) | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #dropped: Record<SubscriberTransport, number> = { websocket: 0, sse: 0 };

  constructor(context: ApiContext, log: FastifyBaseLogger) {
    this.#context = context;
    this.log = log;
  }

  /** Starts listening to the published stream and the heartbeat. */
  start(): void {
    this.#stopLive = this.#context.subscribe((batch) => this.#publish(batch));
    this.#armHeartbeat();
  }

  /** The journal, for replays. */
  get history(): History {
    return this.#context;
  }

  /** Streams open now. */
  get size(): number {
    return this.#connections.size;
  }

  /** Counts one event dropped for a subscriber that did not keep up. */
  countDropped(transport: SubscriberTransport): void {
    this.#dropped[transport]++;
  }

  /** Subscribers connected now and events dropped since start, for /metrics (O(connections) per scrape). */
  stats(transport: SubscriberTransport): SubscriberStats {
    let subscribers = 0;
    for (const connection of this.#connections) if (connection.transport === transport) subscribers++;
    return { subscribers, droppedEvents: this.#dropped[transport] };
  }

  /** Throws FsevdError LIMIT unless another stream may open now. */
  admit(): void {
    if (this.#closed) throw new FsevdError('FSEVD_E_LIMIT', 'The daemon is stopping');
    const limit = this.#context.apiConfig().limits.connections;
    if (this.#connections.size >= limit) throw new FsevdError('FSEVD_E_LIMIT', `Too many open streams (api.limits.connections = ${limit}); try again later`);
  }

  /** Registers an open connection. */
  add(connection: Connection): void {
    this.#connections.add(connection);
  }

  /** Forgets a closed connection. */
  remove(connection: Connection): void {
    this.#connections.delete(connection);
  }

  /** Flushes `connection` right after the current batch or callback. */
  schedule(connection: Connection): void {
    if (!connection.due) {
      connection.due = true;
      this.#due.push(connection);
    }
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    queueMicrotask(() => this.#flush());
  }

  /** The JSON text of an event in a format, computed once per flush however many subscribers get it. */
  serialize(event: FsEvent, format: Format): string {
    const cache = this.#texts[format];
    let text = cache.get(event);
    if (text === undefined) {
      text = JSON.stringify(format === 'cloudevents' ? toCloudEvent(event) : event);
      cache.set(event, text);
    }
    return text;
  }

  /** Settings in force (re-read on use so a reload applies). */
  get settings(): ApiConfig {
    return this.#context.apiConfig();
  }

  /** Facts for the `hello` message. */
  get identity(): { node: string; version: string; lastSeq: number } {
    return { node: this.#context.node, version: this.#context.version, lastSeq: this.#context.journalRange().lastSeq };
  }

  /** Closes every stream and stops listening; idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopLive?.();
    clearTimeout(this.#heartbeat);
    for (const connection of [...this.#connections]) connection.close(CLOSE_GOING_AWAY, 'fsevd is stopping');
  }

  #publish(batch: readonly FsEvent[]): void {
    for (const connection of this.#connections) {
      for (const subscription of connection.subscriptions.values()) {
        if (subscription.offer(batch)) this.schedule(connection);
      }
    }
  }

  #flush(): void {
    const due = this.#due;
    this.#due = [];
    this.#flushQueued = false;
    for (const connection of due) {
      connection.due = false;
      try {
        connection.flush();
      } catch (err) {
        this.log.error({ err }, 'Stream flush failed; closing that connection');
        connection.close(1011, 'internal error');
      }
    }
    this.#texts.fsevd.clear();
    this.#texts.cloudevents.clear();
  }

  #armHeartbeat(): void {
    if (this.#closed) return;
    this.#heartbeat = setTimeout(() => {
      for (const connection of [...this.#connections]) connection.heartbeat();
      this.#armHeartbeat();
    }, this.#context.apiConfig().heartbeatSeconds * 1000);
    // Streams keep the process alive themselves; the heartbeat must not.
    this.#heartbeat.unref();
  }
}
