/**
 * api.tls: with a certificate and key the one port serves HTTPS and WSS (a self-signed certificate
 * for 127.0.0.1, made with openssl, trusted by the clients as their CA); half a configuration or
 * an unreadable file stops the start with a clear error.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { get } from 'node:https';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import WebSocket from 'ws';
import { validateConfig } from '../../src/config/load.ts';
import { Daemon } from '../../src/daemon.ts';
import { run, tempDir } from '../helpers/system.ts';
import { startApi } from './helpers.ts';

test('with api.tls the port speaks HTTPS and WSS only', async (t) => {
  try {
    await run('openssl', ['version']);
  } catch {
    return t.skip('needs openssl to make a test certificate');
  }
  const dir = await tempDir(t);
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert]);
  const ca = await readFile(cert);
  const api = await startApi(t, { tls: { cert, key } });
  const httpsUrl = api.url.replace('http:', 'https:');

  const health = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    get(`${httpsUrl}/healthz`, { ca }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, body }));
    }).on('error', reject);
  });
  assert.equal(health.status, 200);
  assert.equal((JSON.parse(health.body) as { status: string }).status, 'ok');

  const ws = new WebSocket(api.wsUrl.replace('ws:', 'wss:'), { ca });
  t.after(() => ws.terminate());
  const [hello] = (await once(ws, 'message')) as [Buffer];
  assert.equal((JSON.parse(String(hello)) as { type: string }).type, 'hello');

  await assert.rejects(fetch(`${api.url}/healthz`), 'plain HTTP is not served on a TLS port');
});

test('half a TLS configuration or an unreadable certificate stops the start, saying why', async (t) => {
  const dir = await tempDir(t);
  const start = (tls: object) => Daemon.start({ config: validateConfig({ listen: '127.0.0.1:0', stateDir: join(dir, 'state'), logLevel: 'silent', api: { tls } }), log: pino({ level: 'silent' }) });
  await assert.rejects(start({ cert: join(dir, 'cert.pem') }), /give both cert and key/);
  await assert.rejects(start({ cert: join(dir, 'missing.pem'), key: join(dir, 'missing.key') }), (err: Error & { code?: string }) => err.code === 'FSEVD_E_STARTUP' && /Cannot read TLS certificate .*missing\.pem/.test(err.message));
});
