/**
 * The route schemas the daemon compiles lazily (src/api/lazy-compilers.ts): every one of them
 * compiles with fastify's own eager compilers, so none can fail on a later request, and the lazy
 * compilers answer like the eager ones (validation errors, coercion, response serialization).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { buildServer } from '../../src/api/server.ts';
import { validateConfig } from '../../src/config/load.ts';
import { READ_TOKEN, startApi, stubContext } from './helpers.ts';

test('every route schema compiles with fastify\'s eager compilers', async () => {
  const apiConfig = validateConfig({}).api;
  const app = await buildServer(stubContext(apiConfig), pino({ level: 'silent' }), { eagerSchemas: true });
  try {
    await app.ready();
    for (const url of ['/api/v1/events', '/api/v1/mounts', '/api/v1/sources', '/api/v1/thresholds', '/metrics', '/healthz']) assert.ok(app.hasRoute({ method: 'GET', url }), `GET ${url} is registered`);
  } finally {
    await app.close();
  }
});

test('lazily compiled validators and serializers answer like eager ones', async (t) => {
  const api = await startApi(t);
  const headers = { authorization: `Bearer ${READ_TOKEN}` };
  const bad = await fetch(`${api.url}/api/v1/events?since=abc`, { headers });
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /since/);
  const [seq] = await api.inject({ type: 'FS_WARNING', data: { note: 'lazy' } });
  // "since" arrives as a string and is coerced to a number by the (lazily built) validator.
  const good = await fetch(`${api.url}/api/v1/events?since=${seq! - 1}&limit=1`, { headers });
  assert.equal(good.status, 200);
  const body = (await good.json()) as { events: Array<{ seq: number; type: string; data: { note?: string } }> };
  assert.deepEqual(body.events.map((e) => [e.seq, e.type, e.data.note]), [[seq, 'FS_WARNING', 'lazy']]);
});
