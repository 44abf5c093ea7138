/**
 * GET /metrics on the route plugin alone (app.inject, no socket): the exposition content type,
 * length and text, a fresh state on every scrape, and a 404 when the daemon has no metrics.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fastify from 'fastify';
import { Registry } from 'prom-client';
import type { ApiContext } from '../../../src/api/context.ts';
import { installErrorHandler } from '../../../src/api/error-handler.ts';
import { DaemonMetrics } from '../../../src/api/metrics/index.ts';
import { metrics as metricsRoute } from '../../../src/api/routes/metrics.ts';
import { fakeInputs, mountState } from '../metrics/fixtures.ts';

async function appWith(metrics: DaemonMetrics | undefined) {
  const app = fastify();
  // Only what the route reads; the rest of the facade is not involved.
  app.decorate('fsevd', { metrics } as unknown as ApiContext);
  installErrorHandler(app);
  await app.register(metricsRoute);
  return app;
}

test('GET /metrics answers the exposition text with its content type, current at each scrape', async (t) => {
  const fake = fakeInputs();
  const metrics = new DaemonMetrics({ registry: new Registry(), inputs: fake.inputs });
  const app = await appWith(metrics);
  t.after(async () => {
    metrics.close();
    await app.close();
  });
  fake.state.mounts = [mountState({ mountId: 1, mountpoint: '/data' })];
  let response = await app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(response.statusCode, 200);
  assert.equal(response.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  assert.equal(Number(response.headers['content-length']), response.rawPayload.length, 'the streamed chunks add up to the length announced');
  assert.match(response.body, /^fsevd_filesystem_readonly\{device="\/dev\/loop1",fstype="ext4",mountpoint="\/data"\} 0$/m);
  assert.match(response.body, /^process_cpu_seconds_total /m);
  fake.state.mounts = [mountState({ mountId: 1, mountpoint: '/data', readOnly: true })];
  response = await app.inject({ method: 'GET', url: '/metrics' });
  assert.match(response.body, /^fsevd_filesystem_readonly\{device="\/dev\/loop1",fstype="ext4",mountpoint="\/data"\} 1$/m);
});

test('GET /metrics is a 404 with a stable code when the daemon has no metrics', async (t) => {
  const app = await appWith(undefined);
  t.after(() => app.close());
  const response = await app.inject({ method: 'GET', url: '/metrics' });
  assert.equal(response.statusCode, 404);
  assert.equal(response.json().code, 'FSEVD_E_NOT_FOUND');
});
