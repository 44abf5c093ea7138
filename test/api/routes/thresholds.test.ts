/**
 * /api/v1/thresholds on a daemon in this process: the read format and JSON, writes applied whole
 * or refused whole with every bad request named, If-Match versions, the admin token, persistence
 * across restarts (until the config file's lines change), and write-through to a kernel config
 * file (a temp file standing in for /sys/fs/events/config, through paths.sys).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { pino } from 'pino';
import { sources } from '../../../src/collector/sources/registry.ts';
import { validateConfig } from '../../../src/config/load.ts';
import { Daemon } from '../../../src/daemon.ts';

const TOKEN = 'thresholds-admin-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };

async function start(stateDir: string, sys: string, lines: string[]): Promise<{ daemon: Daemon; url: string }> {
  const others = Object.fromEntries(Object.keys(sources).filter((name) => name !== 'mountinfo' && name !== 'statfs').map((name) => [name, { enabled: false }]));
  const config = validateConfig({
    listen: '127.0.0.1:0', stateDir, logLevel: 'silent', logEvents: false, sources: others,
    api: { tokens: [{ name: 'admin', role: 'admin', token: TOKEN }] },
    thresholds: { lines },
  });
  const daemon = await Daemon.start({ config, log: pino({ level: 'silent' }), paths: { sys } });
  return { daemon, url: `http://127.0.0.1:${daemon.address.port}/api/v1/thresholds` };
}

async function setup(t: TestContext) {
  const dir = await mkdtemp(join(tmpdir(), 'fsevd-thresholds-api-'));
  const sys = join(dir, 'sys');
  await mkdir(join(sys, 'fs/events'), { recursive: true });
  const kernelFile = join(sys, 'fs/events/config');
  await writeFile(kernelFile, '');
  const running: Daemon[] = [];
  t.after(async () => {
    for (const daemon of running) await daemon.stop();
    await rm(dir, { recursive: true, force: true });
  });
  return {
    kernelFile,
    async start(lines: string[]) {
      const started = await start(join(dir, 'state'), sys, lines);
      running.push(started.daemon);
      return started;
    },
  };
}

const post = (url: string, body: string, headers: Record<string, string> = auth, method = 'POST') =>
  fetch(url, { method, headers: { 'content-type': 'text/plain', ...headers }, body }).then(async (r) => ({ status: r.status, etag: r.headers.get('etag'), body: (await r.json()) as Record<string, unknown> }));

test('read, write whole or not at all, If-Match, token, write-through, persistence', async (t) => {
  const env = await setup(t);
  let { daemon, url } = await env.start(['/ G T 20G 10G']);

  const first = await fetch(url);
  assert.equal(first.headers.get('etag'), '"1"');
  assert.deepEqual(await first.json(), { version: 1, text: (await (await fetch(`${url}?format=text`)).text()), lines: ['/ G T 20G 10G'], defaults: 'T 10% 5%', kernelManaged: [] });
  const text = await (await fetch(url, { headers: { accept: 'text/plain' } })).text();
  assert.match(text, /^\/ \S+ \S+ \(G,T 20G 10G\)\n$/, 'the proposal\'s read format');
  // At start the kernel file was synchronised: cleared, then the entry (20G cannot be turned into
  // blocks before the first sample, so only G went through).
  assert.equal(await readFile(env.kernelFile, 'utf8'), '\n/ G\n');

  assert.equal((await post(url, '/ G', {})).status, 401, 'changes need the admin token');
  const stale = await post(url, '/ T 5G', { ...auth, 'if-match': '"0"' });
  assert.equal(stale.status, 412);
  assert.equal(stale.body.code, 'FSEVD_E_PRECONDITION');

  const bad = await post(url, '/ T 5G 10G; !/nowhere; /x Q; / T 30G');
  assert.equal(bad.status, 400);
  assert.equal(bad.body.code, 'FSEVD_E_CONFIG_INVALID');
  assert.match(String(bad.body.message), /request 1 "\/ T 5G 10G": L1 5G is less than L2 10G.*request 2 "!\/nowhere": there is no entry.*request 3 "\/x Q": "Q": unknown event type/);
  assert.doesNotMatch(String(bad.body.message), /request 4/);
  assert.equal(((await (await fetch(url)).json()) as { version: number }).version, 1, 'nothing applied');

  const good = await post(url, '/ T 710000 500000', { ...auth, 'if-match': '"1"' });
  assert.equal(good.status, 200, JSON.stringify(good.body));
  assert.equal(good.etag, '"2"');
  assert.deepEqual(good.body, { version: 2, kernel: { present: true, written: ['/ T 710000 500000'], skipped: [] } });
  assert.equal(await readFile(env.kernelFile, 'utf8'), '\n/ G\n/ T 710000 500000\n');
  const after = (await (await fetch(url)).json()) as { lines: string[]; kernelManaged: string[] };
  assert.deepEqual(after.lines, ['/ G T 710000 500000']);
  assert.deepEqual(after.kernelManaged, ['/']);
  assert.equal((await post(url, '/ I 5% 1%', { ...auth, 'content-type': 'application/json' }, 'POST').catch(() => ({ status: 0 }))).status, 400, 'a JSON body must be {"requests": ...}');
  const json = await fetch(url, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ requests: '/ I 5% 1%' }) });
  assert.equal(json.status, 200);
  assert.deepEqual(((await json.json()) as { kernel: unknown }).kernel, { present: true, written: [], skipped: [{ request: '/', why: 'inode levels are an fsevd extension' }] });

  // Survives a restart with the same config file lines.
  await daemon.stop();
  ({ daemon, url } = await env.start(['/ G T 20G 10G']));
  assert.deepEqual(((await (await fetch(url)).json()) as { lines: string[]; version: number }), { version: 3, text: (await (await fetch(`${url}?format=text`)).text()), lines: ['/ G T 710000 500000 I 5% 1%'], defaults: 'T 10% 5%', kernelManaged: ['/'] });

  // PUT replaces; an empty request clears.
  const cleared = await post(url, '', auth, 'PUT');
  assert.equal(cleared.status, 200);
  assert.deepEqual(((await (await fetch(url)).json()) as { lines: string[] }).lines, []);

  // Changed lines in the config file win over what was set through the API.
  await daemon.stop();
  ({ daemon, url } = await env.start(['/ T 1%']));
  const rebased = (await (await fetch(url)).json()) as { lines: string[]; version: number };
  assert.deepEqual(rebased.lines, ['/ T 1% 0']);
  assert.ok(rebased.version > 4, 'versions never go back, so an old If-Match cannot match again');
});
