/**
 * @module api/stream/sse
 * One Server-Sent Events client: a single subscription written as `text/event-stream`. Each event
 * is `id: SEQ` + `data: JSON`, so a reconnecting EventSource (or `curl -H 'Last-Event-ID: SEQ'`)
 * resumes exactly after the last event it got; notices are named events (`event: lost`,
 * `event: live`, `event: error`) and the heartbeat is a comment line. A peer whose socket stays
 * behind for two heartbeats is dropped: SSE has no pong to tell a dead peer from a slow one.
 */
import type { ServerResponse } from 'node:http';
import { Connection, type ConnectionHost, type StreamSink } from './connection.ts';
import { serverMessage } from './protocol.ts';
import type { QueueItem, Subscription } from './subscription.ts';

/** Heartbeats a peer may stay behind before it is dropped. */
const BEHIND_BEATS = 2;

/** The id SSE's only subscription is known by. */
export const SSE_SUBSCRIPTION = 'sse';

/** An SSE stream connection. */
export class SseConnection extends Connection {
  readonly transport = 'sse';
  protected readonly sink: StreamSink;
  readonly #response: ServerResponse;
  #wroteSinceBeat = false;
  #beatsBehind = 0;

  constructor(hub: ConnectionHost, response: ServerResponse) {
    super(hub);
    this.#response = response;
    this.sink = {
      bufferedBytes: () => response.writableLength,
      write: (messages) => {
        response.write(messages.length === 1 ? messages[0]! : messages.join(''));
        this.#wroteSinceBeat = true;
      },
    };
    response.on('drain', () => this.wake());
    response.on('close', () => this.ended());
    response.on('error', (err) => hub.log.debug({ err }, 'SSE response error'));
  }

  heartbeat(): void {
    if (this.behind) {
      if (++this.#beatsBehind >= BEHIND_BEATS) this.#response.destroy();
      return;
    }
    this.#beatsBehind = 0;
    // Proxies drop idle connections; a comment line keeps this one busy and proves the socket alive.
    if (!this.#wroteSinceBeat) this.#response.write(': ping\n\n');
    this.#wroteSinceBeat = false;
  }

  close(): void {
    if (this.behind) this.#response.destroy();
    else this.#response.end();
  }

  failed(subscription: Subscription, err: unknown): void {
    this.hub.log.error({ err, subscription: subscription.id }, 'Replay failed');
    this.#response.end(`event: error\ndata: ${serverMessage('error', { code: 'FSEVD_E_JOURNAL', message: 'The journal could not be read; see the daemon log' })}\n\n`);
  }

  protected encode(subscription: Subscription, items: readonly QueueItem[], out: string[]): void {
    for (const item of items) {
      if ('notice' in item) {
        const { notice, ...fields } = item;
        out.push(`event: ${notice}\ndata: ${serverMessage(notice, fields)}\n\n`);
      } else out.push(`id: ${item.seq}\ndata: ${this.hub.serialize(item, subscription.format)}\n\n`);
    }
  }
}
