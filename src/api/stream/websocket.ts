/**
 * @module api/stream/websocket
 * One WebSocket client: the protocol of protocol.ts on top of the shared Connection. Control
 * replies (subscribed, pong, error) are written at once; events go through the subscriptions'
 * queues and leave in one corked write per batch. Garbage gets an `error` message and the
 * connection carries on; binary frames (1003), floods beyond the rate limit (1008), oversized
 * messages (1009, by ws itself) and missed heartbeats end it.
 */
import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import { errorBody } from '../error-handler.ts';
import type { RateLimiter } from '../rate-limit.ts';
import { Connection, type ConnectionHost, type StreamSink } from './connection.ts';
import { compileFilter } from './filter.ts';
import { DEFAULT_BUFFER, parseClientMessage, PROTOCOL_VERSION, serverMessage, type ClientMessage } from './protocol.ts';
import { Subscription, type QueueItem } from './subscription.ts';

/** RFC 6455 close codes used here. */
const CLOSE_UNSUPPORTED_DATA = 1003;
const CLOSE_POLICY_VIOLATION = 1008;

/** How long a closing peer gets to answer the close frame before its socket is destroyed. */
const CLOSE_GRACE_MS = 2000;

type Subscribe = Extract<ClientMessage, { op: 'subscribe' }>;

/** A WebSocket stream connection. */
export class WebSocketConnection extends Connection {
  readonly transport = 'websocket';
  protected readonly sink: StreamSink;
  readonly #ws: WebSocket;
  readonly #address: string;
  readonly #limiter: RateLimiter;
  #awaitingPong = false;

  constructor(hub: ConnectionHost, ws: WebSocket, socket: Duplex, address: string, limiter: RateLimiter) {
    super(hub);
    this.#ws = ws;
    this.#address = address;
    this.#limiter = limiter;
    this.sink = {
      bufferedBytes: () => ws.bufferedAmount,
      // Corked: every frame of this flush leaves in one writev.
      write: (messages) => {
        socket.cork();
        for (const message of messages) ws.send(message);
        socket.uncork();
      },
    };
    ws.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    ws.on('pong', () => {
      this.#awaitingPong = false;
    });
    ws.on('close', () => this.ended());
    ws.on('error', (err) => hub.log.debug({ err, address }, 'WebSocket error'));
    socket.on('drain', () => this.wake());
    const { node, version, lastSeq } = hub.identity;
    this.#send('hello', { protocol: PROTOCOL_VERSION, node, version, lastSeq, heartbeatSeconds: hub.settings.heartbeatSeconds });
  }

  heartbeat(): void {
    if (this.#awaitingPong) {
      this.hub.log.debug({ address: this.#address }, 'WebSocket peer missed a heartbeat; dropping it');
      this.#ws.terminate();
      return;
    }
    this.#awaitingPong = true;
    this.#ws.ping();
  }

  close(code: number, reason: string): void {
    this.#ws.close(code, reason);
    setTimeout(() => this.#ws.terminate(), CLOSE_GRACE_MS).unref();
  }

  failed(subscription: Subscription, err: unknown): void {
    this.hub.log.error({ err, subscription: subscription.id }, 'Replay failed');
    this.#drop(subscription.id);
    this.#send('error', { id: subscription.id, ...codeAndMessage(err) });
  }

  protected encode(subscription: Subscription, items: readonly QueueItem[], out: string[]): void {
    const id = JSON.stringify(subscription.id);
    let events: string[] = [];
    const flushEvents = () => {
      if (events.length === 0) return;
      out.push(`{"type":"events","id":${id},"events":[${events.join(',')}]}`);
      events = [];
    };
    for (const item of items) {
      if ('notice' in item) {
        flushEvents();
        const { notice, ...fields } = item;
        out.push(serverMessage(notice, { id: subscription.id, ...fields }));
      } else events.push(this.hub.serialize(item, subscription.format));
    }
    flushEvents();
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    if (this.isEnded) return;
    if (this.#limiter.take(this.#address) > 0) return this.close(CLOSE_POLICY_VIOLATION, 'rate limit exceeded (api.limits.requestsPerSecond)');
    if (isBinary) return this.close(CLOSE_UNSUPPORTED_DATA, 'binary messages are not supported; send JSON text');
    const message = parseClientMessage(String(data));
    if ('problem' in message) return this.#send('error', { code: 'FSEVD_E_BAD_REQUEST', message: message.problem });
    switch (message.op) {
      case 'subscribe':
        return this.#subscribe(message);
      case 'unsubscribe':
        if (!this.subscriptions.has(message.id)) return this.#send('error', { id: message.id, code: 'FSEVD_E_NOT_FOUND', message: `No subscription ${JSON.stringify(message.id)}` });
        this.#drop(message.id);
        return this.#send('unsubscribed', { id: message.id });
      case 'ping':
        return this.#send('pong', { data: message.data });
    }
  }

  #subscribe(message: Subscribe): void {
    const { id } = message;
    if (this.subscriptions.has(id)) return this.#send('error', { id, code: 'FSEVD_E_BAD_REQUEST', message: `Subscription ${JSON.stringify(id)} exists; unsubscribe it first or use another id` });
    const limit = this.hub.settings.limits.subscriptionsPerConnection;
    if (this.subscriptions.size >= limit) return this.#send('error', { id, code: 'FSEVD_E_LIMIT', message: `At most ${limit} subscriptions per connection (api.limits.subscriptionsPerConnection)` });
    const subscription = new Subscription({ id, filter: compileFilter(message.filter ?? {}), buffer: message.buffer ?? DEFAULT_BUFFER, format: message.format ?? 'fsevd' }, this);
    this.subscriptions.set(id, subscription);
    const cursor = subscription.start(this.hub.history, message.since);
    const reset = message.since !== undefined && cursor !== message.since;
    this.#send('subscribed', { id, cursor, lastSeq: this.hub.identity.lastSeq, ...(reset ? { warning: `Cursor ${message.since} is beyond the journal: it was reset; replaying it from the start` } : {}) });
  }

  #drop(id: string): void {
    this.subscriptions.get(id)?.close();
    this.subscriptions.delete(id);
  }

  #send(type: string, fields: Record<string, unknown>): void {
    this.#ws.send(serverMessage(type, fields));
  }
}

function codeAndMessage(err: unknown): { code: string; message: string } {
  const { code, message } = errorBody(err instanceof Error ? err : new Error(String(err)));
  return { code, message };
}
