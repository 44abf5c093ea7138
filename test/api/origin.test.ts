/**
 * Pages of other web sites against a real daemon on 127.0.0.1: a foreign Origin is refused on
 * WebSocket upgrades, SSE and REST (cross-site WebSocket hijacking), a foreign Host on token-less
 * reads (DNS rebinding); the daemon's own origin, IP/localhost/host-name Hosts, token holders,
 * clients that send no Origin, and what api.allowedOrigins / api.allowedHosts list still get in.
 * A browser is not needed to send these headers: the point is what the daemon does with them
 * (the real page, same-origin, is test/api/web/page.test.ts).
 */
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { test } from 'node:test';
import { refuseForeignHost, refuseForeignOrigin } from '../../src/api/origin.ts';
import { validateConfig } from '../../src/config/load.ts';
import { send, upgrade, type Answer } from '../helpers/http.ts';
import { ADMIN_TOKEN, READ_TOKEN, startApi, TestClient } from './helpers.ts';

const EVIL = 'https://evil.example';
const CROSS_SITE = [403, 'FSEVD_E_CROSS_SITE'];

const pair = (answer: Answer) => [answer.status, answer.code];

test('WebSocket: a foreign Origin is refused even with a token; the own origin, no Origin and allowedOrigins get in', async (t) => {
  const api = await startApi(t, { allowedOrigins: ['https://dash.example/'] });
  const own = `http://127.0.0.1:${api.daemon.address.port}`;
  const foreign = await upgrade(api.wsUrl, { origin: EVIL });
  assert.deepEqual(pair(foreign), CROSS_SITE);
  assert.match(foreign.message!, /Origin "https:\/\/evil\.example" is not http:\/\/127\.0\.0\.1:\d+.*api\.allowedOrigins/);
  assert.deepEqual(pair(await upgrade(api.wsUrl, { origin: EVIL, headers: { authorization: `Bearer ${READ_TOKEN}` } })), CROSS_SITE);
  assert.deepEqual(pair(await upgrade(api.wsUrl, { origin: 'null' })), CROSS_SITE, 'sandboxed frames and file: pages send "null"');
  assert.deepEqual(pair(await upgrade(api.wsUrl, { origin: own.replace('http:', 'https:') })), CROSS_SITE, 'another scheme is another origin');
  assert.equal((await upgrade(api.wsUrl, { origin: own })).status, 101);
  assert.equal((await upgrade(api.wsUrl, { origin: 'https://DASH.example' })).status, 101);
  const local = `localhost:${api.daemon.address.port}`;
  assert.equal((await upgrade(api.wsUrl, { origin: `http://${local}`, headers: { host: local } })).status, 101, 'the page opened as http://localhost:PORT');
  // The own origin is worked out from Host, so a rebinding page's origin matches it: the Host check catches that one.
  const rebound = await upgrade(api.wsUrl, { origin: 'http://evil.example:9742', headers: { host: 'evil.example:9742' } });
  assert.deepEqual(pair(rebound), CROSS_SITE);
  assert.match(rebound.message!, /Host "evil\.example:9742" is not a name of this machine/);
  const client = await TestClient.open(t, api.wsUrl);
  assert.equal((await client.subscribe('all')).type, 'subscribed', 'a client that sends no Origin (node, fsevd monitor, the cluster subscriber) is unaffected');
});

test('REST and SSE: foreign Host refused for token-less reads only, foreign Origin always; names of this machine and allowedHosts get in', async (t) => {
  const api = await startApi(t, { allowedHosts: ['fsevd.example'] });
  const port = api.daemon.address.port;
  const mounts = `${api.url}/api/v1/mounts`;
  const stream = `${api.url}/api/v1/stream`;
  const evilHost = { host: `evil.example:${port}` };
  const rebinding = await send(mounts, evilHost);
  assert.deepEqual(pair(rebinding), CROSS_SITE);
  assert.match(rebinding.message!, /api\.allowedHosts/);
  assert.deepEqual(pair(await send(`${api.url}/metrics`, evilHost)), CROSS_SITE);
  assert.deepEqual(pair(await send(stream, evilHost)), CROSS_SITE, 'SSE too');
  assert.equal((await send(mounts, { ...evilHost, authorization: `Bearer ${READ_TOKEN}` })).status, 200, 'a token holder is not a rebinding page');
  assert.equal((await send(`${api.url}/healthz`, evilHost)).status, 200, 'probes stay public');
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LocalHost.:${port}`, `app.localhost:${port}`, `[::1]:${port}`, `${hostname()}:${port}`, `${hostname().split('.')[0]}`, `fsevd.example:${port}`]) {
    assert.equal((await send(mounts, { host })).status, 200, `Host ${host}`);
  }
  assert.equal((await send(stream, { host: `localhost:${port}` })).status, 200, 'SSE under localhost');
  assert.equal((await send(stream, {})).status, 200, 'SSE from curl-like clients (no Origin)');

  const foreign = { origin: EVIL };
  assert.deepEqual(pair(await send(mounts, foreign)), CROSS_SITE);
  assert.deepEqual(pair(await send(stream, foreign)), CROSS_SITE, 'EventSource from another site');
  assert.deepEqual(pair(await send(`${api.url}/api/v1/events`, { ...foreign, authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, 'POST')), CROSS_SITE);
  assert.equal((await send(mounts, { origin: api.url })).status, 200, 'the page itself');
  assert.equal((await send(stream, { origin: api.url })).status, 200, 'the page\'s EventSource');
  assert.equal((await send(`${api.url}/api/v1/events`, { origin: api.url, authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, 'POST')).status, 202);
});

test('"*" turns either check off, for deployments behind a proxy that does its own', async (t) => {
  const api = await startApi(t, { allowedHosts: ['*'], allowedOrigins: ['*'] });
  assert.equal((await send(`${api.url}/api/v1/mounts`, { host: 'proxy.example', origin: EVIL })).status, 200);
  assert.equal((await upgrade(api.wsUrl, { origin: EVIL, headers: { host: 'proxy.example' } })).status, 101);
});

test('the host names of this machine, parsed out of Host headers, and nothing that only looks like them', () => {
  const accepted = ['127.0.0.1', '[::1]:80', '[fe80::1]', '10.1.2.3:9742', 'localhost', 'a.b.localhost:1', hostname().toUpperCase(), `${hostname()}.:8080`];
  for (const host of accepted) assert.doesNotThrow(() => refuseForeignHost(host, []), host);
  for (const host of ['127.0.0.1.evil.example', 'localhost.evil.example', `${hostname()}.evil.example`, '2130706433', '', 'evil.example:127.0.0.1']) {
    assert.throws(() => refuseForeignHost(host, []), { code: 'FSEVD_E_CROSS_SITE' }, host);
  }
  assert.doesNotThrow(() => refuseForeignHost(undefined, []), 'no Host: not a browser');
  assert.doesNotThrow(() => refuseForeignHost('Node7.Cluster.Example:9742', ['node7.cluster.example']));
  assert.doesNotThrow(() => refuseForeignOrigin({ host: 'h:1' }, false, []), 'no Origin');
  assert.doesNotThrow(() => refuseForeignOrigin({ host: 'h:1', origin: 'https://h:1' }, true, []));
  assert.throws(() => refuseForeignOrigin({ origin: 'http://h:1' }, false, []), { code: 'FSEVD_E_CROSS_SITE' }, 'an Origin with no Host to compare');
});

test('the lists are checked when the configuration is read', () => {
  assert.throws(() => validateConfig({ api: { allowedOrigins: ['evil.example'] } }), /\/api\/allowedOrigins\/0/);
  assert.throws(() => validateConfig({ api: { allowedOrigins: ['https://a.example/path'] } }), /\/api\/allowedOrigins\/0/);
  assert.throws(() => validateConfig({ api: { allowedHosts: ['a.example:9742'] } }), /\/api\/allowedHosts\/0/);
  assert.deepEqual(validateConfig({ api: { allowedHosts: ['node7.cluster.example', '*'], allowedOrigins: ['https://grafana.example:3000'] } }).api.allowedHosts, ['node7.cluster.example', '*']);
});
