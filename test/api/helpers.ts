/**
 * Helpers for the API tests: a real daemon in this process (journal, pipeline, fastify on a
 * loopback port; only the mount-table source runs, so the events are the ones a test injects
 * through POST /api/v1/events plus whatever mounts change), and a WebSocket test client that
 * records every message.
 */
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { pino } from 'pino';
import WebSocket, { type ClientOptions } from 'ws';
import { sources } from '../../src/collector/sources/registry.ts';
import type { FsEvent } from '../../src/collector/types.ts';
import { validateConfig } from '../../src/config/load.ts';
import { Daemon } from '../../src/daemon.ts';
import type { ApiConfig } from '../../src/api/config.ts';
import type { ApiContext } from '../../src/api/context.ts';
import { waitFor } from '../helpers/system.ts';
import { onCleanup } from '../helpers/cleanup.ts';

/** Tokens every test daemon has. */
export const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';
export const READ_TOKEN = 'read-token-for-tests-0123456789';

/** A daemon running in this process. */
export interface TestApi {
  daemon: Daemon;
  url: string;
  wsUrl: string;
  /** POSTs events to /api/v1/events as admin; returns their seqs (use types correlation never folds). */
  inject(events: object | object[]): Promise<number[]>;
}

/** Starts a daemon with `api` settings merged over the test tokens; stopped after the test. */
export async function startApi(t: TestContext, api: Record<string, unknown> = {}): Promise<TestApi> {
  const stateDir = await mkdtemp(join(tmpdir(), 'fsevd-api-test-'));
  const onlyMountinfo = Object.fromEntries(Object.keys(sources).filter((name) => name !== 'mountinfo').map((name) => [name, { enabled: false }]));
  const config = validateConfig({
    listen: '127.0.0.1:0',
    stateDir,
    logLevel: 'silent',
    logEvents: false,
    sources: onlyMountinfo,
    api: { tokens: [{ name: 'admin', role: 'admin', token: ADMIN_TOKEN }, { name: 'reader', role: 'read', token: READ_TOKEN }], ...api },
  });
  const daemon = await Daemon.start({ config, log: pino({ level: 'silent' }) });
  onCleanup(t, async () => {
    await daemon.stop();
    await rm(stateDir, { recursive: true, force: true });
  });
  const url = `http://127.0.0.1:${daemon.address.port}`;
  return {
    daemon,
    url,
    wsUrl: `ws://127.0.0.1:${daemon.address.port}/api/v1/stream`,
    async inject(events) {
      const response = await fetch(`${url}/api/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
        body: JSON.stringify(events),
      });
      if (response.status !== 202) throw new Error(`inject: ${response.status} ${await response.text()}`);
      return ((await response.json()) as { seqs: number[] }).seqs;
    },
  };
}

/** A message from the server. */
export type ServerMessage = { type: string; id?: string; events?: FsEvent[]; [key: string]: unknown };

/** A WebSocket client that keeps every message. */
export class TestClient {
  readonly ws: WebSocket;
  readonly messages: ServerMessage[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data) => this.messages.push(JSON.parse(String(data)) as ServerMessage));
    this.closed = once(ws, 'close').then(([code, reason]) => ({ code: code as number, reason: String(reason) }));
  }

  /** Connects (closing after the test) and waits for `hello`. */
  static async open(t: TestContext, url: string, options: ClientOptions = {}): Promise<TestClient> {
    const ws = new WebSocket(url, options);
    const client = new TestClient(ws);
    onCleanup(t, () => ws.terminate());
    await once(ws, 'open');
    await client.next((m) => m.type === 'hello', 'hello');
    return client;
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The first message (from index `from`) that `match` accepts, waiting for it. */
  next(match: (m: ServerMessage) => boolean, what: string, from = 0, timeoutMs = 15_000): Promise<ServerMessage> {
    return waitFor(what, () => this.messages.slice(from).find(match), timeoutMs);
  }

  /** Subscribes and waits for `subscribed`. */
  async subscribe(id: string, settings: Record<string, unknown> = {}): Promise<ServerMessage> {
    const from = this.messages.length;
    this.send({ op: 'subscribe', id, ...settings });
    return this.next((m) => (m.type === 'subscribed' || m.type === 'error') && m.id === id, `subscribed ${id}`, from);
  }

  /** Every event received for subscription `id`, in arrival order. */
  events(id: string): FsEvent[] {
    return this.messages.filter((m) => m.type === 'events' && m.id === id).flatMap((m) => m.events!);
  }
}

/** A context with no mounts, events or sources: for building the server without a daemon. */
export function stubContext(api: ApiConfig): ApiContext {
  return {
    node: 'test',
    version: '0',
    mounts: () => [],
    mount: () => undefined,
    events: async () => [],
    journalRange: () => ({ firstSeq: 0, lastSeq: 0 }),
    sources: () => [],
    subscribe: () => () => undefined,
    inject: () => 1,
    apiConfig: () => api,
  };
}
