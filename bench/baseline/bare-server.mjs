/**
 * Baseline for bench/startup.ts and bench/idle-cpu.ts: the bare daemon skeleton fsevd is built on,
 * with nothing of fsevd in it. Imports fastify, ws and prom-client, creates a fastify app with one
 * route (GET /healthz), a ws WebSocketServer with noServer, a prom-client Registry with the default
 * metrics, listens on 127.0.0.1:0 and prints one JSON ready line on stderr
 * ({"msg":"bare ready","address":{host,port}}), the same shape fsevd's "fsevd ready" line has.
 * Plain .mjs so that no loader is charged to it; bench/baseline/with-tsx.mjs runs it through tsx.
 *
 * Run: node bench/baseline/bare-server.mjs   (SIGTERM/SIGINT stop it)
 */
import fastify from 'fastify';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { WebSocketServer } from 'ws';

const app = fastify();
app.get('/healthz', async () => ({ status: 'ok' }));
const wss = new WebSocketServer({ noServer: true });
const registry = new Registry();
collectDefaultMetrics({ register: registry });

await app.listen({ host: '127.0.0.1', port: 0 });
const { address, port } = app.server.address();
process.stderr.write(`${JSON.stringify({ msg: 'bare ready', address: { host: address, port }, metrics: registry.getMetricsAsArray().length })}\n`);

const stop = () => {
  wss.close();
  void app.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
