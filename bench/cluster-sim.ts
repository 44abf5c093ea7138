/**
 * The node side of bench/cluster-follow.ts (not a benchmark itself): N simulated fsevd nodes in
 * one process, each on its own loopback port, speaking the stream protocol of
 * src/api/stream/protocol.ts as far as a subscriber needs it: `hello`, `subscribe` with `since`
 * (replay from an in-memory journal, then live), `subscribed`, `events`. It simulates only the
 * wire: no kernel sources, no pipeline, no filters. Driven over IPC by the benchmark:
 * `{op:'emit', nodes, type, mountpoint, count}` appends `count` events to each named node's
 * journal (data.t = wall-clock ms at creation, for delays) and sends them to its subscribers.
 * Usage (spawned with an IPC channel): node --import tsx bench/cluster-sim.ts N
 */
import { createServer } from 'node:http';
import { once } from 'node:events';
import { WebSocketServer, type WebSocket } from 'ws';
import type { FsEvent } from '../src/collector/types.ts';
import { wallNow } from './lib/proc.ts';

interface SimNode {
  name: string;
  journal: FsEvent[];
  live: Set<{ ws: WebSocket; id: string }>;
}

const count = Number(process.argv[2] ?? 1000);
const nodes: SimNode[] = [];
const ports: number[] = [];

function event(node: SimNode, type: string, mountpoint: string): FsEvent {
  const seq = node.journal.length + 1;
  return {
    seq, time: new Date().toISOString(), node: node.name, type: type as FsEvent['type'], code: type === 'FS_UNAVAILABLE' ? 14 : 9, class: 'error', severity: 'error',
    transient: type === 'FS_UNAVAILABLE', mountpoint, device: 'filer:/export', fstype: 'nfs4', major: 0, minor: 50, mountId: 100, sources: ['statfs'], count: 1, data: { t: wallNow() },
  };
}

function serve(node: SimNode, ws: WebSocket): void {
  ws.send(JSON.stringify({ type: 'hello', protocol: 1, node: node.name, version: 'sim', lastSeq: node.journal.length, heartbeatSeconds: 30 }));
  ws.on('message', (data) => {
    const message = JSON.parse(String(data)) as { op: string; id: string; since?: number };
    if (message.op !== 'subscribe') return;
    const cursor = message.since ?? node.journal.length;
    ws.send(JSON.stringify({ type: 'subscribed', id: message.id, cursor, lastSeq: node.journal.length }));
    for (let from = cursor; from < node.journal.length; from += 500) ws.send(JSON.stringify({ type: 'events', id: message.id, events: node.journal.slice(from, from + 500) }));
    node.live.add({ ws, id: message.id });
  });
  ws.on('close', () => {
    for (const entry of node.live) if (entry.ws === ws) node.live.delete(entry);
  });
}

for (let i = 0; i < count; i++) {
  const node: SimNode = { name: `sim-${String(i).padStart(4, '0')}`, journal: [], live: new Set() };
  const wss = new WebSocketServer({ noServer: true });
  const server = createServer().listen(0, '127.0.0.1');
  server.on('upgrade', (request, socket, head) => wss.handleUpgrade(request, socket, head, (ws) => serve(node, ws)));
  await once(server, 'listening');
  nodes.push(node);
  ports.push((server.address() as { port: number }).port);
}

process.on('message', (command: { op: 'emit'; nodes: number[] | 'all'; type: string; mountpoint: string; count: number }) => {
  const targets = command.nodes === 'all' ? nodes : command.nodes.map((i) => nodes[i]!);
  for (const node of targets) {
    const fresh = Array.from({ length: command.count }, () => {
      const e = event(node, command.type, command.mountpoint);
      node.journal.push(e);
      return e;
    });
    for (const { ws, id } of node.live) ws.send(JSON.stringify({ type: 'events', id, events: fresh }));
  }
  process.send!({ type: 'emitted', events: targets.length * command.count });
});
process.on('disconnect', () => process.exit(0));
process.send!({ type: 'ready', ports });
