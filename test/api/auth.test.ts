/**
 * Access control: tokens and roles, the loopback rule, and the default rule every route gets.
 * Requests from a non-loopback address cannot be made here (tests use loopback only), so those
 * go through fastify's inject() with a remoteAddress, against a server whose collector is a stub
 * (these tests are about who is let in, not about what the routes answer).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { pino } from 'pino';
import { Access, requireRole } from '../../src/api/auth.ts';
import { apiConfigSchema, type ApiConfig } from '../../src/api/config.ts';
import { stubContext } from './helpers.ts';
import { buildServer } from '../../src/api/server.ts';
import { Value } from '@sinclair/typebox/value';

const ADMIN = 'admin-secret-abcdefghijkl';
const READER = 'reader-secret-abcdefghijkl';

function settings(api: Record<string, unknown> = {}): ApiConfig {
  return Value.Default(apiConfigSchema, structuredClone(api)) as ApiConfig;
}

const withTokens = settings({ tokens: [{ name: 'ops', role: 'admin', token: ADMIN }, { name: 'dash', role: 'read', token: `sha256:${createHash('sha256').update(READER).digest('hex')}` }] });

function attempt(access: Access, address: string, role: 'read' | 'admin', authorization?: string): string {
  try {
    const principal = access.authorize({ headers: authorization === undefined ? {} : { authorization }, remoteAddress: address }, role);
    return `ok:${principal.name}`;
  } catch (err) {
    return (err as { code: string }).code;
  }
}

test('with no tokens configured: loopback may read, nobody may change anything, and the error says why', () => {
  const access = new Access(() => settings());
  assert.equal(attempt(access, '127.0.0.1', 'read'), 'ok:loopback');
  assert.equal(attempt(access, '::1', 'read'), 'ok:loopback');
  assert.equal(attempt(access, '::ffff:127.0.0.1', 'read'), 'ok:loopback');
  assert.equal(attempt(access, '192.0.2.7', 'read'), 'FSEVD_E_FORBIDDEN');
  assert.equal(attempt(access, '127.0.0.1', 'admin'), 'FSEVD_E_FORBIDDEN');
  assert.throws(() => access.authorize({ headers: {}, remoteAddress: '127.0.0.1' }, 'admin'), /no API tokens are configured: add one under api\.tokens/);
  assert.equal(attempt(access, '127.0.0.1', 'read', `Bearer ${ADMIN}`), 'FSEVD_E_UNAUTHORIZED', 'a token nobody configured is not silently ignored');
});

test('with tokens: roles decide, plain and sha256: tokens both work, anything else is refused', () => {
  const access = new Access(() => withTokens);
  assert.equal(attempt(access, '192.0.2.7', 'admin', `Bearer ${ADMIN}`), 'ok:ops');
  assert.equal(attempt(access, '192.0.2.7', 'read', `bearer ${ADMIN}`), 'ok:ops', 'the scheme is case-insensitive');
  assert.equal(attempt(access, '192.0.2.7', 'read', `Bearer ${READER}`), 'ok:dash');
  assert.equal(attempt(access, '192.0.2.7', 'admin', `Bearer ${READER}`), 'FSEVD_E_FORBIDDEN');
  assert.throws(() => access.authorize({ headers: { authorization: `Bearer ${READER}` }, remoteAddress: '::1' }, 'admin'), /Token "dash" has role read; this request needs admin/);
  assert.equal(attempt(access, '192.0.2.7', 'read'), 'FSEVD_E_UNAUTHORIZED');
  assert.equal(attempt(access, '192.0.2.7', 'read', 'Bearer nope-nope-nope-nope'), 'FSEVD_E_UNAUTHORIZED');
  assert.equal(attempt(access, '192.0.2.7', 'read', `Basic ${ADMIN}`), 'FSEVD_E_UNAUTHORIZED');
  assert.equal(attempt(access, '192.0.2.7', 'read', `Bearer ${ADMIN.slice(0, -1)}`), 'FSEVD_E_UNAUTHORIZED');
  assert.equal(attempt(access, '127.0.0.1', 'read'), 'ok:loopback', 'loopbackReads: true keeps local reads open');
  assert.equal(attempt(access, '127.0.0.1', 'admin'), 'FSEVD_E_UNAUTHORIZED');
  const strict = new Access(() => ({ ...withTokens, loopbackReads: false }));
  assert.equal(attempt(strict, '127.0.0.1', 'read'), 'FSEVD_E_UNAUTHORIZED');
});

test('a reload that changes the tokens applies to the next request', () => {
  let current = withTokens;
  const access = new Access(() => current);
  assert.equal(attempt(access, '192.0.2.7', 'admin', `Bearer ${ADMIN}`), 'ok:ops');
  current = settings({ tokens: [{ name: 'new', role: 'admin', token: 'another-secret-abcdefgh' }] });
  assert.equal(attempt(access, '192.0.2.7', 'admin', `Bearer ${ADMIN}`), 'FSEVD_E_UNAUTHORIZED');
  assert.equal(attempt(access, '192.0.2.7', 'admin', 'Bearer another-secret-abcdefgh'), 'ok:new');
});


test('every route needs read, every change admin; /healthz is public; requireRole guards a route as well', async (t) => {
  const app = await buildServer(stubContext(withTokens), pino({ level: 'silent' }));
  app.post('/test/explicit', { preHandler: requireRole('admin'), config: { public: true } }, async () => ({ ok: true }));
  t.after(() => app.close());
  const request = (method: 'GET' | 'POST', url: string, remoteAddress: string, token?: string) =>
    app.inject({ method, url, remoteAddress, headers: token ? { authorization: `Bearer ${token}` } : {}, ...(method === 'POST' ? { payload: { type: 'MOUNT' } } : {}) });
  const remote = '198.51.100.4';
  assert.equal((await request('GET', '/healthz', remote)).statusCode, 200);
  const denied = await request('GET', '/api/v1/mounts', remote);
  assert.equal(denied.statusCode, 401);
  assert.equal(denied.headers['www-authenticate'], 'Bearer realm="fsevd"');
  assert.equal(denied.json().code, 'FSEVD_E_UNAUTHORIZED');
  assert.equal((await request('GET', '/api/v1/mounts', remote, READER)).statusCode, 200);
  assert.equal((await request('GET', '/api/v1/openapi.json', remote, READER)).statusCode, 200);
  assert.equal((await request('POST', '/api/v1/events', remote, READER)).statusCode, 403);
  assert.equal((await request('POST', '/api/v1/events', remote, ADMIN)).statusCode, 202);
  assert.equal((await request('POST', '/api/v1/events', '127.0.0.1')).statusCode, 401, 'loopback reads are open, changes are not');
  assert.equal((await request('POST', '/test/explicit', remote, READER)).statusCode, 403, 'requireRole applies even on a public route');
  assert.equal((await request('POST', '/test/explicit', remote, ADMIN)).statusCode, 200);
});
