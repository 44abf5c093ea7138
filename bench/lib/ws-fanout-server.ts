/**
 * The server side of bench/ws-fanout.ts, one process per measurement, driven over IPC by the
 * benchmark. Modes:
 * - `fsevd`: fsevd's real HTTP/WebSocket stack (buildServer: access control, rate limit, the hub
 *   with per-subscriber filters and bounded queues, corked writes) fed through ApiContext.subscribe
 *   with synthetic events, one batch per round, as the pipeline publishes them after the journal;
 * - `plain`: bare `ws`, JSON.stringify once per message, then ws.send to every client (the idiom);
 * - `corked`: bare `ws`, each client's messages of the round written with socket.cork()/uncork()
 *   (the same frames, one write per client per round).
 * Not a benchmark itself.
 */
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { pino } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiConfig } from '../../src/api/config.ts';
import type { ApiContext, BatchListener } from '../../src/api/context.ts';
import { buildServer } from '../../src/api/server.ts';
import { validateConfig } from '../../src/config/load.ts';
import type { FsEvent } from '../../src/collector/types.ts';
import { monotonicMs, type ServerCommand, type ServerReply } from './ws-fanout-protocol.ts';

const mode = process.argv[2] as 'fsevd' | 'plain' | 'corked';
let seq = 0;

/** A realistic event (~330 B of JSON): an ext4 error as fanotify reports it. `data.t` is the publish time. */
function makeEvent(): FsEvent {
  seq++;
  return {
    seq,
    node: 'bench-node-01',
    time: new Date().toISOString(),
    type: 'FS_ERROR',
    code: 9,
    class: 'error',
    severity: 'error',
    transient: false,
    mountpoint: `/data/vol${seq % 100}`,
    device: '/dev/nvme0n1p7',
    fstype: 'ext4',
    major: 259,
    minor: 7,
    mountId: 1000 + (seq % 100),
    uuid: '5c1f0d1e-2b7a-4c8e-9d3f-0a1b2c3d4e5f',
    sources: ['fanotify'],
    count: 1,
    data: { errno: 117, t: monotonicMs() },
  };
}

async function fsevdServer(): Promise<{ url: string; publish: (events: FsEvent[]) => void }> {
  const listeners = new Set<BatchListener>();
  // Limits raised so the benchmark's 1,000 loopback clients are not refused; everything else default.
  const api: ApiConfig = validateConfig({ node: 'bench', stateDir: '/nonexistent', api: { limits: { connections: 100_000, requestBurst: 1_000_000, requestsPerSecond: 1_000_000 } } }).api;
  const context: ApiContext = {
    node: 'bench-node-01',
    version: 'bench',
    mounts: () => [],
    mount: () => undefined,
    events: async () => [],
    journalRange: () => ({ firstSeq: seq > 0 ? 1 : 0, lastSeq: seq }),
    sources: () => [],
    subscribe: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    inject: () => undefined,
    apiConfig: () => api,
  };
  const app = await buildServer(context, pino({ level: 'silent' }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${address.port}/api/v1/stream`,
    publish: (events) => {
      for (const listener of listeners) listener(events);
    },
  };
}

async function bareServer(corked: boolean): Promise<{ url: string; publish: (events: FsEvent[]) => void }> {
  const server: Server = createServer();
  const wss = new WebSocketServer({ server, perMessageDeflate: false, clientTracking: false });
  const clients = new Map<WebSocket, Socket>();
  wss.on('connection', (ws, request) => {
    clients.set(ws, request.socket);
    ws.on('close', () => clients.delete(ws));
    ws.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${address.port}/`,
    publish: (events) => {
      const texts = events.map((e) => JSON.stringify(e));
      if (!corked) {
        for (const text of texts) for (const ws of clients.keys()) ws.send(text);
        return;
      }
      for (const [ws, socket] of clients) {
        socket.cork();
        for (const text of texts) ws.send(text);
        socket.uncork();
      }
    },
  };
}

const server = mode === 'fsevd' ? await fsevdServer() : await bareServer(mode === 'corked');
process.on('message', (message: ServerCommand) => {
  if (message.cmd === 'publish') {
    server.publish(Array.from({ length: message.count }, makeEvent));
    process.send!({ published: seq } satisfies ServerReply);
  } else if (message.cmd === 'gc') {
    (globalThis as { gc?: () => void }).gc?.();
    process.send!({ gcDone: true } satisfies ServerReply);
  }
});
process.on('disconnect', () => process.exit(0));
process.send!({ ready: server.url } satisfies ServerReply);
