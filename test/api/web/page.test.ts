/**
 * The web page: what the route serves (public files, security headers, nothing outside its own
 * files), and in a real headless chromium against a real daemon: a daemon that wants tokens even
 * on loopback, where the page asks for one and then reads with it (REST as a header, the stream
 * through the subprotocol, never in a URL); event data with markup shown as text; and the feed
 * reconnecting by itself after a daemon restart and resuming from its cursor, every event once.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { CONTENT_SECURITY_POLICY } from '../../../src/api/routes/web.ts';
import { startDaemon } from '../../helpers/daemon.ts';
import { waitFor } from '../../helpers/system.ts';
import { ADMIN_TOKEN, READ_TOKEN, startApi } from '../helpers.ts';
import { needChromium, openPage } from './browser.ts';

/** The seqs in the feed, newest first (as shown). */
const feedSeqs = (page: Page) => page.$$eval('#feed .rows > .row[data-seq]', (rows) => rows.map((row) => Number((row as HTMLElement).dataset.seq)));

test('the page and its files are public, same-origin only by CSP, cached by ETag, and nothing else is served', async (t) => {
  const api = await startApi(t, { loopbackReads: false });
  const page = await fetch(`${api.url}/`);
  assert.equal(page.status, 200, 'no token needed for the files: they hold no data');
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  assert.equal(page.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY);
  assert.match(CONTENT_SECURITY_POLICY, /script-src 'self'(;|$)/, 'no inline script allowed');
  assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
  const html = await page.text();
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'every script is a file');
  assert.doesNotMatch(html, /\sstyle=|\son[a-z]+=/i, 'no inline style or handler');
  const script = await fetch(`${api.url}/web/app.js`);
  assert.match(script.headers.get('content-type') ?? '', /^text\/javascript/);
  const etag = script.headers.get('etag')!;
  assert.equal((await fetch(`${api.url}/web/app.js`, { headers: { 'if-none-match': etag } })).status, 304);
  for (const path of ['/web/nope.js', '/web/..%2Fweb.ts', '/web/%2e%2e%2froutes%2fweb.ts', '/web/']) {
    assert.equal((await fetch(`${api.url}${path}`)).status, 404, `${path} is not served`);
  }
  assert.equal((await fetch(`${api.url}/api/v1/mounts`)).status, 401, 'the data still needs a token');
});

test('with tokens required, the page asks for one and then reads with it; event markup stays text', async (t) => {
  if (!needChromium(t)) return;
  const api = await startApi(t, { loopbackReads: false });
  const { page, problems } = await openPage(t);
  const urls: string[] = [];
  page.on('request', (request) => urls.push(request.url()));
  await page.goto(`${api.url}/`);
  await page.locator('#notice', { hasText: 'Enter a read (or admin) token' }).waitFor({ timeout: 10_000 });
  await page.locator('#connection', { hasText: 'disconnected' }).waitFor({ timeout: 10_000 });
  assert.equal(await page.locator('#mounts .rows > .row').count(), 0);

  await page.fill('#token', READ_TOKEN);
  await page.click('#token-form button[type=submit]');
  await page.locator('#connection', { hasText: 'live' }).waitFor({ timeout: 10_000 });
  await waitFor('the mount table', async () => ((await page.locator('#mounts .rows > .row').count()) > 0 ? true : undefined));
  assert.equal(await page.isHidden('#notice'), true, 'the notice is gone');

  const hostile = '/x/<img src=x onerror="document.title=\'pwned\'">\n<script>document.title="pwned"</script>';
  const [seq] = await api.inject({ type: 'QUOTA_BLOCKS_SOFT', mountpoint: '/', data: { note: hostile } });
  const row = page.locator(`#feed .rows > .row[data-seq="${seq}"]`);
  await row.waitFor({ timeout: 10_000 });
  assert.ok((await row.locator('.data').textContent())!.includes(JSON.stringify(hostile).slice(1, 40)), 'the data is shown as JSON text');
  assert.equal(await page.locator('main img, main script').count(), 0, 'no element was made from it');
  assert.notEqual(await page.title(), 'pwned');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('fsevd.token')), READ_TOKEN, 'kept for this tab only');
  assert.ok(urls.every((url) => !url.includes(READ_TOKEN)), 'the token is never in a URL');
  assert.deepEqual(problems, []);
});

test('the feed reconnects by itself after the daemon restarts and resumes from its cursor: every event once', async (t) => {
  if (!needChromium(t)) return;
  const dir = await mkdtemp(join(tmpdir(), 'fsevd-web-resume-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const config = join(dir, 'fsevd.yaml');
  await writeFile(config, `api:\n  tokens:\n    - { name: admin, role: admin, token: "${ADMIN_TOKEN}" }\n`);
  const stateDir = join(dir, 'state');
  const inject = async (url: string, count: number) => {
    const response = await fetch(`${url}/api/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify(Array.from({ length: count }, () => ({ type: 'QUOTA_BLOCKS_SOFT', mountpoint: '/' }))),
    });
    assert.equal(response.status, 202);
    return ((await response.json()) as { seqs: number[] }).seqs;
  };
  const shows = (page: Page, seqs: number[]) => waitFor(`seqs ${seqs.join(',')} in the feed`, async () => {
    const shown = await feedSeqs(page);
    return seqs.every((seq) => shown.includes(seq)) ? shown : undefined;
  });

  const first = await startDaemon(t, stateDir, ['--config', config]);
  const { page, problems } = await openPage(t);
  await page.goto(`${first.url}/`);
  await page.locator('#connection', { hasText: 'live' }).waitFor({ timeout: 10_000 });
  // Only the injected type: the machine's own mount events would be in the feed too.
  await page.fill('#feed-filter input[name=types]', 'QUOTA_BLOCKS_SOFT');
  await page.click('#feed-filter button[type=submit]');
  await page.locator('#connection', { hasText: 'live' }).waitFor({ timeout: 10_000 });
  const before = await inject(first.url, 5);
  await shows(page, before);

  await first.stop();
  await page.locator('#connection', { hasText: 'disconnected' }).waitFor({ timeout: 10_000 });
  const second = await startDaemon(t, stateDir, ['--config', config, '--listen', new URL(first.url).host]);
  // Journaled while the page is still waiting to reconnect: it gets them by resuming from its cursor.
  const during = await inject(second.url, 5);
  await page.locator('#connection', { hasText: 'live' }).waitFor({ timeout: 20_000 });
  const after = await inject(second.url, 3);
  const shown = await shows(page, [...before, ...during, ...after]);
  assert.deepEqual(shown, [...before, ...during, ...after].reverse(), 'newest first, each once, none missing');
  assert.equal(await page.locator('#feed .rows > .row.notice', { hasText: 'connection lost' }).count() > 0, true, 'the feed says it was cut off');
  assert.deepEqual(problems, []);
});
