/**
 * The webhook action against a real HTTP receiver on 127.0.0.1: failures (500, a hung answer)
 * are retried with backoff until it accepts, every attempt carrying the same delivery id and a
 * valid HMAC-SHA256 signature that the receiver checks; a 400 is not retried; CloudEvents form.
 */
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { pino } from 'pino';
import { webhook } from '../../../src/rules/actions/webhook.ts';
import { request } from './request.ts';

const SECRET = 'a-webhook-secret-0123456789';
const context = { log: pino({ level: 'silent' }), now: Date.now };
const create = (settings: Record<string, unknown>) =>
  webhook.create({ format: 'json', headers: {}, timeout: '2s', retries: 3, backoff: '50ms', undo: true, ...settings } as never, context);

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
  signatureValid: boolean;
}

/** A receiver answering each request with the next planned status ('hang' never answers). */
async function receiver(t: TestContext, plan: Array<number | 'hang'>): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const hung: ServerResponse[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => {
      const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`);
      const given = Buffer.from(String(req.headers['x-fsevd-signature'] ?? ''));
      received.push({ headers: req.headers, body, signatureValid: given.length === expected.length && timingSafeEqual(given, expected) });
      const status = plan.shift() ?? 200;
      if (status === 'hang') return void hung.push(res);
      res.writeHead(status).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(async () => {
    for (const res of hung) res.destroy();
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

test('a receiver that fails first (500, then no answer) gets retries until it accepts, each signed and with one delivery id', async (t) => {
  const { url, received } = await receiver(t, [500, 'hang', 503]);
  const hook = create({ url, secret: SECRET, timeout: '300ms' });
  const result = await hook.run(request('fire', 'node1'));
  assert.equal(result.outcome, 'done', result.detail);
  assert.match(result.detail, /after 4 attempt/);
  assert.equal(received.length, 4);
  assert.ok(received.every((r) => r.signatureValid), 'the receiver verified every signature');
  assert.equal(new Set(received.map((r) => r.headers['x-fsevd-delivery'])).size, 1);
  const body = JSON.parse(received[3]!.body) as Record<string, unknown>;
  assert.equal(body.phase, 'fire');
  assert.equal(body.node, 'node1');
  assert.equal((body.event as { type: string }).type, 'FS_UNAVAILABLE');
  assert.equal(received[0]!.headers['content-type'], 'application/json');
});

test('a 400 is a failure at once; exhausted retries are a failure; an unreachable receiver too', async (t) => {
  const bad = await receiver(t, [400]);
  const refused = await create({ url: bad.url }).run(request('fire', 'n'));
  assert.deepEqual([refused.outcome, bad.received.length], ['failed', 1]);
  const down = await receiver(t, [500, 500, 500, 500]);
  const exhausted = await create({ url: down.url }).run(request('fire', 'n'));
  assert.equal(exhausted.outcome, 'failed');
  assert.equal(down.received.length, 4);
  const closed = createServer().listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const port = (closed.address() as AddressInfo).port;
  closed.close();
  const nobody = await create({ url: `http://127.0.0.1:${port}/hook`, retries: 1 }).run(request('fire', 'n'));
  assert.match(nobody.detail, /ECONNREFUSED/);
});

test('CloudEvents form: structured content type, delivery id as id, phase and rule extensions; no signature without a secret', async (t) => {
  const { url, received } = await receiver(t, []);
  const result = await create({ url, format: 'cloudevents' }).run(request('undo', 'node2'));
  assert.equal(result.outcome, 'done');
  assert.equal(received[0]!.headers['content-type'], 'application/cloudevents+json');
  assert.equal(received[0]!.headers['x-fsevd-signature'], undefined);
  const ce = JSON.parse(received[0]!.body) as Record<string, unknown>;
  assert.equal(ce.specversion, '1.0');
  assert.equal(ce.id, received[0]!.headers['x-fsevd-delivery']);
  assert.deepEqual([ce.phase, ce.rule, ce.node, ce.type], ['undo', 'scratch-unavailable', 'node2', 'fsevd.FS_UNAVAILABLE']);
});
