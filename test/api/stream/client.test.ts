/**
 * The shared stream client (api/stream/client.ts) against a small protocol server on loopback:
 * garbage and events without a seq are ignored without moving the cursor, repeats at or below the
 * cursor are dropped, and after the server goes away the client reconnects and subscribes again
 * with `since` = its cursor.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { WebSocketServer } from 'ws';
import { StreamClient } from '../../../src/api/stream/client.ts';
import { waitFor } from '../../helpers/system.ts';

const event = (seq: number) => ({ seq, node: 'n1', type: 'MOUNT', time: new Date().toISOString() });

test('ignores garbage, drops repeats, resumes from its cursor after a reconnection', async (t) => {
  const subscribes: Array<Record<string, unknown>> = [];
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  t.after(() => wss.close());
  await once(wss, 'listening');
  wss.on('connection', (ws) => {
    ws.send(JSON.stringify({ type: 'hello', protocol: 1, node: 'n1', version: 't', lastSeq: 3, heartbeatSeconds: 30 }));
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id: string; since?: number };
      subscribes.push(message);
      ws.send(JSON.stringify({ type: 'subscribed', id: message.id, cursor: message.since ?? 3, lastSeq: 3 }));
      ws.send('not json');
      ws.send(JSON.stringify({ type: 'events', id: message.id, events: 'abc' }));
      ws.send(JSON.stringify({ type: 'events', id: message.id, events: [null, 7, { seq: 'x' }, { node: 'n1' }, event(4), event(4), event(5)] }));
      if (subscribes.length === 1) setTimeout(() => ws.terminate(), 50);
    });
  });
  const seen: number[] = [];
  const client = new StreamClient({ url: `ws://127.0.0.1:${(wss.address() as { port: number }).port}/api/v1/stream`, reconnect: { firstMs: 10, maxMs: 10 } }, { events: (_items, events) => seen.push(...events.map((e) => e.seq)) });
  const running = client.run();
  t.after(() => client.stop());
  await waitFor('a second subscription after the reconnection', () => (subscribes.length >= 2 ? true : undefined), 10_000);
  await waitFor('the cursor at 5', () => (client.cursor === 5 ? true : undefined), 10_000);
  assert.deepEqual(seen, [4, 5], 'each valid event once; garbage skipped');
  assert.equal(subscribes[0]!.since, undefined, 'live only at first');
  assert.equal(subscribes[1]!.since, 5, 'resumed after the cursor');
  client.stop();
  await running;
});
