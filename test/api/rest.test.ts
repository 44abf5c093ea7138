/**
 * The REST API of a real daemon in this process, over HTTP on loopback: history with the stream
 * filters, injection, the OpenAPI document, and malformed, oversized, unauthenticated and too
 * frequent requests refused with the right status and a JSON reason.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FsEvent, MountState } from '../../src/collector/types.ts';
import { ADMIN_TOKEN, READ_TOKEN, startApi } from './helpers.ts';

const json = { 'content-type': 'application/json' };
const admin = { ...json, authorization: `Bearer ${ADMIN_TOKEN}` };

test('history takes the stream filters; injected events are marked and attributed to the mount holding the path', async (t) => {
  const api = await startApi(t);
  const seqs = await api.inject([
    { type: 'MOUNT', mountpoint: '/' },
    { type: 'QUOTA_BLOCKS_HARD', data: { id: 1000 } },
    { type: 'UMOUNT', severity: 'critical' },
  ]);
  const history = async (query: string) => {
    const response = await fetch(`${api.url}/api/v1/events?since=0&sources=api&${query}`);
    assert.equal(response.status, 200, query);
    return ((await response.json()) as { events: FsEvent[]; next: number }).events;
  };
  const all = await history('');
  assert.deepEqual(all.map((e) => e.seq), seqs);
  assert.ok(all.every((e) => e.data.injected === true && e.sources.length === 1 && e.sources[0] === 'api'));
  const root = (await (await fetch(`${api.url}/api/v1/mounts`)).json() as { mounts: MountState[] }).mounts.find((m) => m.mountpoint === '/');
  assert.equal(all[0]!.mountpoint, '/');
  assert.equal(all[0]!.mountId, root?.mountId);
  assert.equal(all[1]!.data.id, 1000);
  assert.deepEqual((await history('types=UMOUNT,QUOTA_BLOCKS_HARD')).map((e) => e.seq), [seqs[1], seqs[2]]);
  assert.deepEqual((await history('severity=critical')).map((e) => e.seq), [seqs[2]]);
  assert.deepEqual((await history('mounts=/')).map((e) => e.seq), [seqs[0]]);
  assert.deepEqual((await history('classes=warning')).map((e) => e.seq), [seqs[1]]);
  assert.deepEqual((await history(`limit=1&types=UMOUNT`)).map((e) => e.seq), [seqs[2]], 'limit counts matching events');
  const bad = await fetch(`${api.url}/api/v1/events?types=MOUNTT`);
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { message: string }).message, /types\/0: must be one of/);
});

test('malformed, oversized, unauthenticated and unknown requests are refused with their status and a catalog code', async (t) => {
  const api = await startApi(t);
  const post = (body: string, headers: Record<string, string> = admin) => fetch(`${api.url}/api/v1/events`, { method: 'POST', headers, body });
  const expect = async (response: Response, status: number, code: string) => {
    const body = (await response.json()) as { statusCode: number; code: string; message: string };
    assert.deepEqual([response.status, body.statusCode, body.code], [status, status, code], body.message);
    assert.ok(body.message.length > 0);
  };
  await expect(await post('{"type":'), 400, 'FSEVD_E_BAD_REQUEST');
  await expect(await post('{"type":"NOPE"}'), 400, 'FSEVD_E_BAD_REQUEST');
  await expect(await post('{"type":"MOUNT","extra":1}'), 400, 'FSEVD_E_BAD_REQUEST');
  await expect(await post(JSON.stringify(Array.from({ length: 1001 }, () => ({ type: 'MOUNT' })))), 400, 'FSEVD_E_BAD_REQUEST');
  await expect(await post(JSON.stringify({ type: 'MOUNT', data: { pad: 'x'.repeat(300_000) } })), 413, 'FSEVD_E_TOO_LARGE');
  await expect(await post('{"type":"MOUNT"}', { ...json }), 401, 'FSEVD_E_UNAUTHORIZED');
  await expect(await post('{"type":"MOUNT"}', { ...json, authorization: `Bearer ${READ_TOKEN}` }), 403, 'FSEVD_E_FORBIDDEN');
  await expect(await post('{"type":"MOUNT"}', { ...json, authorization: 'Bearer' }), 401, 'FSEVD_E_UNAUTHORIZED');
  await expect(await fetch(`${api.url}/api/v1/mounts/99999999`), 404, 'FSEVD_E_NOT_FOUND');
  await expect(await fetch(`${api.url}/api/v1/mounts/abc`), 400, 'FSEVD_E_BAD_REQUEST');
  await expect(await fetch(`${api.url}/api/v1/nothing`), 404, 'FSEVD_E_NOT_FOUND');
  await expect(await fetch(`${api.url}/api/v1/events?limit=0`), 400, 'FSEVD_E_BAD_REQUEST');
  assert.equal((await fetch(`${api.url}/healthz`)).status, 200, 'the daemon carries on');
});

test('beyond the request rate a client gets 429 with Retry-After', async (t) => {
  const api = await startApi(t, { limits: { requestsPerSecond: 1, requestBurst: 3 } });
  const statuses: number[] = [];
  let retryAfter: string | null = null;
  for (let i = 0; i < 5; i++) {
    const response = await fetch(`${api.url}/api/v1/sources`);
    statuses.push(response.status);
    if (response.status === 429) retryAfter = response.headers.get('retry-after');
    await response.arrayBuffer();
  }
  assert.deepEqual(statuses.slice(0, 3), [200, 200, 200]);
  assert.ok(statuses.slice(3).includes(429));
  assert.match(retryAfter ?? '', /^[1-9]\d*$/);
});

test('the OpenAPI document describes every route with its parameters, bodies and responses', async (t) => {
  const api = await startApi(t);
  const doc = (await (await fetch(`${api.url}/api/v1/openapi.json`)).json()) as {
    openapi: string;
    paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }>; requestBody?: unknown; responses: Record<string, unknown> }>>;
    components: { securitySchemes: Record<string, unknown> };
  };
  assert.match(doc.openapi, /^3\.0\./);
  assert.ok(doc.components.securitySchemes.bearer);
  for (const [path, method] of [['/healthz', 'get'], ['/api/v1/mounts', 'get'], ['/api/v1/mounts/{mountId}', 'get'], ['/api/v1/events', 'get'], ['/api/v1/events', 'post'], ['/api/v1/sources', 'get'], ['/api/v1/stream', 'get'], ['/api/v1/openapi.json', 'get']] as const) {
    assert.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path} is documented`);
  }
  const history = doc.paths['/api/v1/events']!.get!;
  for (const name of ['since', 'limit', 'types', 'classes', 'severity', 'mounts', 'fstypes', 'sources']) assert.ok(history.parameters?.some((p) => p.name === name && p.in === 'query'), `events ?${name}`);
  assert.ok(history.responses['200']);
  assert.ok(doc.paths['/api/v1/events']!.post!.requestBody, 'the injection body is described');
  assert.ok(doc.paths['/api/v1/mounts/{mountId}']!.get!.parameters?.some((p) => p.name === 'mountId' && p.in === 'path'));
  assert.ok(doc.paths['/api/v1/stream']!.get!.parameters?.some((p) => p.name === 'last-event-id' && p.in === 'header'));
});
