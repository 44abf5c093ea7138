/**
 * The WebSocket stream against a real daemon in this process (journal, pipeline, fastify, ws on a
 * loopback port), fed by POST /api/v1/events: replay then live with no gap and no duplicate,
 * several subscriptions per connection, a stalled subscriber, and clients that misbehave.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import WebSocket from 'ws';
import type { FsEvent } from '../../../src/collector/types.ts';
import { waitFor } from '../../helpers/system.ts';
import { READ_TOKEN, startApi, TestClient } from '../helpers.ts';

const API_ONLY = { sources: ['api'] };

test('replay then live: every matching event once, in order, across the seam, while events keep coming', async (t) => {
  const api = await startApi(t);
  const before: number[] = [];
  for (let batch = 0; batch < 2; batch++) before.push(...(await api.inject(Array.from({ length: 600 }, (_, i) => ({ type: i % 3 ? 'UMOUNT' : 'MOUNT' })))));
  const client = await TestClient.open(t, api.wsUrl);
  client.subscribe('a', { since: 0, filter: { ...API_ONLY, types: ['UMOUNT'] } }).catch(() => undefined);
  // Injected while the replay of 800 matching events runs, in many small batches.
  const during: number[] = [];
  for (let batch = 0; batch < 40; batch++) during.push(...(await api.inject(Array.from({ length: 10 }, (_, i) => ({ type: i % 2 ? 'UMOUNT' : 'MOUNT' })))));
  const expected = [...before.filter((_, i) => i % 3 !== 0), ...during.filter((_, i) => i % 2 === 1)];
  await waitFor('every matching event', () => (client.events('a').at(-1)?.seq === expected.at(-1) ? true : undefined));
  const got = client.events('a');
  assert.deepEqual(got.map((e) => e.seq), expected, 'exactly the matching events, each once, in seq order');
  assert.ok(got.every((e) => e.type === 'UMOUNT' && e.data.injected === true && e.sources.includes('api')));
  const live = client.messages.filter((m) => m.type === 'live' && m.id === 'a');
  assert.equal(live.length, 1, 'one hand-over from replay to live');
  assert.ok(expected.includes(Number(live[0]!.cursor)), 'the hand-over happened at an event the client got');
});

test('several subscriptions on one connection, each with its own filter and format; unsubscribe stops one', async (t) => {
  const api = await startApi(t);
  const client = await TestClient.open(t, api.wsUrl);
  assert.equal((await client.subscribe('errors', { filter: { ...API_ONLY, classes: ['error'] } })).type, 'subscribed');
  assert.equal((await client.subscribe('critical', { filter: { ...API_ONLY, severity: 'critical' } })).type, 'subscribed');
  assert.equal((await client.subscribe('ce', { filter: API_ONLY, format: 'cloudevents' })).type, 'subscribed');
  const seqs = await api.inject([{ type: 'FS_ERROR' }, { type: 'ERR_REMOUNT_RO' }, { type: 'MOUNT' }]);
  await waitFor('three cloud events', () => (client.events('ce').length === 3 ? true : undefined));
  await waitFor('critical', () => (client.events('critical').length === 1 ? true : undefined));
  assert.deepEqual(client.events('errors').map((e) => e.seq), [seqs[0], seqs[1]]);
  assert.deepEqual(client.events('critical').map((e) => e.type), ['ERR_REMOUNT_RO']);
  const cloud = client.events('ce') as unknown as Array<{ specversion: string; id: string; type: string; data: FsEvent }>;
  assert.deepEqual(cloud.map((c) => [c.specversion, c.id, c.type, c.data.seq]), seqs.map((seq, i) => ['1.0', String(seq), `fsevd.${['FS_ERROR', 'ERR_REMOUNT_RO', 'MOUNT'][i]}`, seq]));

  const from = client.messages.length;
  client.send({ op: 'unsubscribe', id: 'errors' });
  await client.next((m) => m.type === 'unsubscribed' && m.id === 'errors', 'unsubscribed', from);
  const [later] = await api.inject([{ type: 'UMOUNT' }]);
  await waitFor('the ce subscription gets it', () => (client.events('ce').length === 4 ? true : undefined));
  assert.ok(!client.events('errors').some((e) => e.seq === later), 'nothing after unsubscribe');

  const closed = client.closed;
  await api.daemon.stop();
  assert.equal((await closed).code, 1001, 'a stopping daemon closes streams with "going away"');
});

test('a subscriber that stops reading gets a lost notice with the exact range, and does not delay the others', async (t) => {
  const api = await startApi(t);
  const fast = await TestClient.open(t, api.wsUrl);
  const stalled = await TestClient.open(t, api.wsUrl);
  await fast.subscribe('f', { filter: API_ONLY });
  await stalled.subscribe('s', { filter: API_ONLY, buffer: 20 });
  stalled.ws.pause();
  // Events until the daemon drops some for the stalled one (the kernel's socket buffers, which grow
  // with tcp_rmem, take the first megabytes), then as many again.
  const pad = 'x'.repeat(2000);
  const injected: number[] = [];
  const dropped = async () => Number(/^fsevd_subscriber_dropped_events_total\{transport="websocket"\} (\d+)$/m.exec(await (await fetch(`${api.url}/metrics`)).text())?.[1] ?? 0);
  for (let batch = 0, extra = 0; batch < 300 && extra < 10; batch++) {
    injected.push(...(await api.inject(Array.from({ length: 100 }, () => ({ type: 'MOUNT', data: { pad } })))));
    if (extra > 0 || (batch % 10 === 9 && (await dropped()) > 0)) extra++;
  }
  assert.ok((await dropped()) > 0, 'the daemon dropped events for the stalled subscriber');
  await waitFor('the fast subscriber gets everything while the other is stalled', () => (fast.events('f').length === injected.length ? true : undefined), 30_000);
  assert.deepEqual(fast.events('f').map((e) => e.seq), injected);
  assert.ok(!fast.messages.some((m) => m.type === 'lost'), 'the fast subscriber lost nothing');

  stalled.ws.resume();
  const [after] = await api.inject([{ type: 'UMOUNT' }]);
  await waitFor('the stalled subscriber catches up', () => (stalled.events('s').at(-1)?.seq === after ? true : undefined), 30_000);
  // The kernel's socket buffers took some events before the daemon saw the peer fall behind, so
  // there may be several lost ranges; together with what arrived they must be everything, once.
  const notices = stalled.messages.filter((m) => m.type === 'lost');
  assert.ok(notices.length >= 1, 'at least one lost notice');
  const lostSeqs = notices.flatMap((notice) => {
    assert.equal(notice.reason, 'overflow');
    const range = injected.filter((seq) => seq >= Number(notice.fromSeq) && seq <= Number(notice.toSeq));
    assert.equal(notice.count, range.length, 'count is the number of matching events skipped');
    return range;
  });
  const received = stalled.events('s').map((e) => e.seq);
  assert.deepEqual([...received.filter((seq) => seq !== after), ...lostSeqs].sort((a, b) => a - b), injected, 'received + lost = everything, no overlap');
  assert.equal(await dropped(), lostSeqs.length, 'the drops are counted in /metrics');
  assert.ok(received.every((seq, i) => i === 0 || seq > received[i - 1]!), 'still in order, no duplicates');
});

test('garbage gets an error message and the connection carries on', async (t) => {
  const api = await startApi(t, { limits: { subscriptionsPerConnection: 2 } });
  const client = await TestClient.open(t, api.wsUrl);
  const errorFor = async (message: unknown) => {
    const from = client.messages.length;
    client.send(message);
    return (await client.next((m) => m.type === 'error', `error for ${JSON.stringify(message)}`, from)).message as string;
  };
  assert.match(await errorFor('{not json'), /not JSON/);
  assert.match(await errorFor('[1,2]'), /JSON object/);
  assert.match(await errorFor({ op: 'explode' }), /Unknown op "explode"/);
  assert.match(await errorFor({ op: 'subscribe' }), /\/id/);
  assert.match(await errorFor({ op: 'subscribe', id: 'x', filter: { types: ['NOPE'] } }), /\/filter\/types\/0: must be one of/);
  assert.match(await errorFor({ op: 'subscribe', id: 'x', buffer: 10 ** 9 }), /\/buffer/);
  assert.match(await errorFor({ op: 'subscribe', id: 'x', extra: 1 }), /extra|additional/i);
  assert.match(await errorFor({ op: 'unsubscribe', id: 'never' }), /No subscription/);
  await client.subscribe('a');
  assert.match(await errorFor({ op: 'subscribe', id: 'a' }), /exists/);
  await client.subscribe('b');
  const limited = await client.subscribe('c');
  assert.deepEqual([limited.type, limited.code], ['error', 'FSEVD_E_LIMIT']);
  assert.match(String(limited.message), /subscriptionsPerConnection/);
  const from = client.messages.length;
  client.send({ op: 'ping', data: { still: 'here' } });
  assert.deepEqual((await client.next((m) => m.type === 'pong', 'pong', from)).data, { still: 'here' });
});

test('binary frames, oversized messages and floods end the connection with the right close code', async (t) => {
  const api = await startApi(t, { limits: { messageBytes: 1024, requestsPerSecond: 1, requestBurst: 20 } });
  const binary = await TestClient.open(t, api.wsUrl);
  binary.ws.send(Buffer.from([1, 2, 3]));
  assert.equal((await binary.closed).code, 1003);
  const big = await TestClient.open(t, api.wsUrl);
  big.send({ op: 'ping', data: 'x'.repeat(2000) });
  assert.equal((await big.closed).code, 1009);
  const flood = await TestClient.open(t, api.wsUrl);
  for (let i = 0; i < 40; i++) flood.send({ op: 'ping' });
  const closed = await flood.closed;
  assert.equal(closed.code, 1008);
  assert.match(closed.reason, /rate limit/);
  // The flood emptied this address's bucket; once it refills, the daemon answers as before.
  await waitFor('the daemon answering again', async () => ((await fetch(`${api.url}/healthz`)).status === 200 ? true : undefined));
});

test('upgrades are refused with a status and a JSON reason: no token, bad token, wrong path, too many streams', async (t) => {
  const api = await startApi(t, { loopbackReads: false, limits: { connections: 1 } });
  const refusal = (url: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; body: { code: string; message: string } }>((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      ws.on('open', () => reject(new Error('upgrade was accepted')));
      ws.on('error', () => undefined);
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(body) as { code: string; message: string } }));
      });
    });
  const none = await refusal(api.wsUrl);
  assert.deepEqual([none.status, none.body.code], [401, 'FSEVD_E_UNAUTHORIZED']);
  const bad = await refusal(api.wsUrl, { authorization: 'Bearer wrong-token-0123456789' });
  assert.deepEqual([bad.status, bad.body.code], [401, 'FSEVD_E_UNAUTHORIZED']);
  const auth = { headers: { authorization: `Bearer ${READ_TOKEN}` } };
  const wrongPath = await refusal(api.wsUrl.replace('/stream', '/elsewhere'), auth.headers);
  assert.equal(wrongPath.status, 404);
  await TestClient.open(t, api.wsUrl, auth);
  const full = await refusal(api.wsUrl, auth.headers);
  assert.deepEqual([full.status, full.body.code], [503, 'FSEVD_E_LIMIT']);
  assert.match(full.body.message, /api\.limits\.connections = 1/);
});

test('the heartbeat drops a peer that does not answer pings and keeps one that does', async (t) => {
  const api = await startApi(t, { heartbeatSeconds: 1 });
  const silent = await TestClient.open(t, api.wsUrl, { autoPong: false });
  const alive = await TestClient.open(t, api.wsUrl);
  assert.equal((await silent.closed).code, 1006, 'terminated without a close frame');
  assert.equal(alive.ws.readyState, WebSocket.OPEN);
  await alive.subscribe('a', { filter: API_ONLY });
  const [seq] = await api.inject({ type: 'MOUNT' });
  await waitFor('the live peer still gets events', () => (alive.events('a')[0]?.seq === seq ? true : undefined));
});
