/**
 * @module api/stream/client
 * The client side of the stream protocol (protocol.ts), shared by `fsevd monitor` and the cluster
 * subscriber: connects, subscribes from a cursor, hands over every event once and in order, and
 * keeps going. When the daemon goes away it reconnects with backoff and resumes from the cursor;
 * when the daemon skipped events for it (`lost` overflow) it subscribes again from the cursor, so
 * the journal fills the gap. A daemon that stops talking (no message or ping for a few heartbeat
 * periods: a hung host sends no RST) is dropped and reconnected like one that went away.
 *
 * The cursor is the seq of the last event handed over. Events at or below it are never handed
 * over again, even if a replay repeats them.
 */
import WebSocket from 'ws';
import type { FsEvent } from '../../collector/types.ts';
import { FsevdError } from '../../errors.ts';
import type { Format } from './protocol.ts';

/** Backoff between reconnection attempts (ms): doubles from the first to the last. */
const RECONNECT_FIRST_MS = 250;
const RECONNECT_MAX_MS = 5000;
/** A daemon silent for this many of its heartbeat periods is taken for gone (the server pings every period). */
const SILENT_PERIODS = 2.5;
/** Time allowed for the TCP + TLS + HTTP upgrade handshake. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

/** The server's `hello`. */
export interface StreamHello {
  node: string;
  version: string;
  lastSeq: number;
  heartbeatSeconds: number;
}

/** What happens to the connection, for the owner to report. */
export type StreamStatus =
  | { kind: 'connected'; hello: StreamHello; resumeAfter: number | undefined }
  | { kind: 'subscribed'; cursor: number; lastSeq: number; warning?: string }
  | { kind: 'disconnected'; why: string; retryInMs: number }
  | { kind: 'overflow'; count: number; fromSeq: number; toSeq: number }
  | { kind: 'retention'; count: number; fromSeq: number; toSeq: number };

/** How to follow one daemon's stream. */
export interface StreamClientOptions {
  /** ws(s)://host:port/api/v1/stream (see streamUrl). */
  url: string;
  headers?: Record<string, string>;
  /** PEM certificate(s) to trust for wss. */
  ca?: Buffer;
  filter?: Record<string, unknown>;
  format?: Format;
  /** Server-side queue per subscription (events); the protocol's default when absent. */
  buffer?: number;
  /** Resume after this seq; undefined: live only (the first `subscribed` sets it). */
  cursor?: number;
  /** Prefix of subscription ids (a new one per subscription). */
  idPrefix?: string;
  /** Reconnection backoff (ms). */
  reconnect?: { firstMs: number; maxMs: number };
}

/** What the owner does with what arrives. */
export interface StreamHandlers {
  /**
   * New events in seq order, each once: the raw items as sent (an fsevd event or a CloudEvent)
   * and the fsevd events. Called synchronously from the socket's message handler.
   */
  events(items: ReadonlyArray<Record<string, unknown>>, events: readonly FsEvent[]): void;
  /** Connection changes and notices (optional). */
  status?(status: StreamStatus): void;
}

type ServerMessage = { type: string; id?: string; [key: string]: unknown };

/** ws(s)://host/api/v1/stream from any of the accepted URL forms (http(s)://, ws(s)://). */
export function streamUrl(base: string): string {
  const url = new URL(base);
  url.protocol = url.protocol === 'https:' || url.protocol === 'wss:' ? 'wss:' : 'ws:';
  url.pathname = '/api/v1/stream';
  return url.toString();
}

/** One followed stream: connects, subscribes, hands over, resumes. */
export class StreamClient {
  readonly #options: StreamClientOptions;
  readonly #handlers: StreamHandlers;
  #cursor: number | undefined;
  /** Each (re)subscription gets a new id, so late messages of an abandoned one are ignored. */
  #generation = 0;
  #delay: number;
  #ws: WebSocket | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #silenceTimer: NodeJS.Timeout | undefined;
  /** The daemon's heartbeat period (s), from its hello. */
  #heartbeat: number | undefined;
  #paused = false;
  #stopped = false;
  #settle: { resolve: () => void; reject: (err: Error) => void } | undefined;

  constructor(options: StreamClientOptions, handlers: StreamHandlers) {
    this.#options = options;
    this.#handlers = handlers;
    this.#cursor = options.cursor;
    this.#delay = options.reconnect?.firstMs ?? RECONNECT_FIRST_MS;
  }

  /** Seq of the last event handed over (or the live cursor the daemon gave), if any. */
  get cursor(): number | undefined {
    return this.#cursor;
  }

  /** True while a WebSocket to the daemon is open. */
  get connected(): boolean {
    return this.#ws?.readyState === WebSocket.OPEN;
  }

  /** Runs until stop() (resolves) or a refusal that retrying cannot fix (rejects). */
  run(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#settle = { resolve, reject };
      this.#connect();
    });
  }

  /** Closes the connection and cancels reconnection; run() resolves. Idempotent. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#silenceTimer);
    this.#ws?.terminate();
    this.#settle?.resolve();
  }

  /** Stops reading from the socket (flow control): the daemon queues, then reports overflow, which is replayed. */
  pause(): void {
    this.#paused = true;
    this.#ws?.pause();
  }

  /** Reads again after pause(). */
  resume(): void {
    this.#paused = false;
    this.#ws?.resume();
  }

  #fatal(err: Error): void {
    const settle = this.#settle;
    this.#settle = undefined;
    this.stop();
    settle?.reject(err);
  }

  #connect(): void {
    if (this.#stopped) return;
    const ws = new WebSocket(this.#options.url, { headers: this.#options.headers ?? {}, handshakeTimeout: HANDSHAKE_TIMEOUT_MS, ...(this.#options.ca ? { ca: this.#options.ca } : {}) });
    this.#ws = ws;
    if (this.#paused) ws.pause();
    let refused = false;
    ws.on('unexpected-response', (_request, response) => {
      refused = true;
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        const message = parseJson(body)?.message ?? `HTTP ${response.statusCode}`;
        const status = response.statusCode ?? 0;
        // Access refusals will not change by retrying; limits and restarts may.
        if (status === 401 || status === 403 || status === 404) this.#fatal(new FsevdError('FSEVD_E_STARTUP', `The daemon refused the stream: ${String(message)}`));
        else this.#retry(ws, `refused (${String(message)})`);
      });
    });
    ws.on('message', (data) => {
      this.#heard(ws);
      this.#onMessage(ws, parseJson(String(data)));
    });
    ws.on('ping', () => this.#heard(ws));
    ws.on('error', () => undefined); // 'close' follows and says what to do
    ws.on('close', (code) => {
      if (!refused) this.#retry(ws, code === 1006 ? 'connection lost' : `connection closed (${code})`);
    });
  }

  /** Something came from the daemon: it is alive; re-arm the silence detector. */
  #heard(ws: WebSocket, heartbeatSeconds?: number): void {
    if (ws !== this.#ws) return;
    const period = heartbeatSeconds ?? this.#heartbeat;
    if (period === undefined) return;
    this.#heartbeat = period;
    clearTimeout(this.#silenceTimer);
    this.#silenceTimer = setTimeout(() => ws.terminate(), period * SILENT_PERIODS * 1000);
  }

  #retry(ws: WebSocket, why: string): void {
    if (this.#stopped || ws !== this.#ws) return;
    clearTimeout(this.#silenceTimer);
    this.#handlers.status?.({ kind: 'disconnected', why, retryInMs: this.#delay });
    this.#retryTimer = setTimeout(() => this.#connect(), this.#delay);
    this.#delay = Math.min(this.#delay * 2, this.#options.reconnect?.maxMs ?? RECONNECT_MAX_MS);
  }

  #subscribe(ws: WebSocket): void {
    this.#generation++;
    const since = this.#cursor === undefined ? {} : { since: this.#cursor };
    const buffer = this.#options.buffer === undefined ? {} : { buffer: this.#options.buffer };
    const request = { op: 'subscribe', id: this.#id(), filter: this.#options.filter ?? {}, format: this.#options.format ?? 'fsevd', ...since, ...buffer };
    ws.send(JSON.stringify(request));
  }

  #id(): string {
    return `${this.#options.idPrefix ?? 'client'}-${this.#generation}`;
  }

  #onMessage(ws: WebSocket, message: ServerMessage | undefined): void {
    if (!message || ws !== this.#ws) return;
    if (message.type === 'hello') {
      const hello = message as unknown as StreamHello;
      this.#heard(ws, Number(hello.heartbeatSeconds) || undefined);
      this.#delay = this.#options.reconnect?.firstMs ?? RECONNECT_FIRST_MS;
      this.#handlers.status?.({ kind: 'connected', hello, resumeAfter: this.#cursor });
      return this.#subscribe(ws);
    }
    if (message.id !== undefined && message.id !== this.#id()) return;
    switch (message.type) {
      case 'subscribed': {
        // Live only: from here on, a reconnection resumes after what the daemon had then. With a
        // cursor beyond a (reset) journal, the daemon answers 0 and replays it from the start.
        this.#cursor = Number(message.cursor);
        const warning = message.warning === undefined ? {} : { warning: String(message.warning) };
        return this.#handlers.status?.({ kind: 'subscribed', cursor: this.#cursor, lastSeq: Number(message.lastSeq), ...warning });
      }
      case 'events':
        return Array.isArray(message.events) ? this.#deliver(message.events as unknown[]) : undefined;
      case 'lost': {
        const range = { count: Number(message.count), fromSeq: Number(message.fromSeq), toSeq: Number(message.toSeq) };
        if (message.reason === 'retention') return this.#handlers.status?.({ kind: 'retention', ...range });
        this.#handlers.status?.({ kind: 'overflow', ...range });
        ws.send(JSON.stringify({ op: 'unsubscribe', id: message.id }));
        return this.#subscribe(ws);
      }
      case 'error':
        return this.#fatal(new FsevdError('FSEVD_E_USAGE', `The daemon refused the subscription: ${String(message.message)}`));
    }
  }

  #deliver(items: unknown[]): void {
    const fresh: Array<Record<string, unknown>> = [];
    const events: FsEvent[] = [];
    for (const item of items) {
      if (typeof item !== 'object' || item === null) continue;
      const event = (this.#options.format === 'cloudevents' ? (item as { data?: unknown }).data : item) as FsEvent | undefined;
      // A peer that sends something without a seq cannot move the cursor (or break it).
      if (!Number.isSafeInteger(event?.seq) || typeof event?.node !== 'string' || typeof event.type !== 'string') continue;
      if (this.#cursor !== undefined && event.seq <= this.#cursor) continue;
      this.#cursor = event.seq;
      fresh.push(item as Record<string, unknown>);
      events.push(event);
    }
    if (events.length > 0) this.#handlers.events(fresh, events);
  }
}

function parseJson(text: string): ServerMessage | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as ServerMessage) : undefined;
  } catch {
    return undefined;
  }
}
