/**
 * The web page in a real headless chromium against a real daemon process (bin/fsevd.js, every
 * source) and real loop-mounted ext4s, one at a path holding `<b>`, an `<img onerror>`, quotes and
 * a newline, one at a path that is not UTF-8: the page lists both with their paths shown exactly
 * as text (no element made from them), an admin changes the first one's
 * thresholds through the page (and the REST API has them), a read-only token is refused and the
 * page says so, and the kernel's remount read-only reaches the feed as a REMOUNT row (the delay
 * from `mount -o remount,ro` returning to the row is logged, not asserted). A screenshot is kept
 * in test-artifacts/web-page.png.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { escapeMountPath } from '../../src/collector/thresholds/syntax.ts';
import type { MountState } from '../../src/collector/types.ts';
import { needChromium, openPage, screenshot } from '../api/web/browser.ts';
import { startDaemon } from '../helpers/daemon.ts';
import { makeExt4Image, needRoot, run, tempDir, waitFor } from '../helpers/system.ts';

const ADMIN = 'web-admin-token-0123456789abcdef';
const READER = 'web-read-token-0123456789abcdef';
/** A mount point with markup (no `/`: that would be a directory), both quotes and a newline. */
const ODD_NAME = '<b>bold<img src=x onerror=alert(1)> "dq" \'sq\'\nline2';
/** A second one ending in the byte 0xff (not UTF-8), which the API carries as the lone surrogate \udcff. */
const RAW_NAME = Buffer.from([0x72, 0x61, 0x77, 0x20, 0xff]);

/** Types a token into the page's token form. */
async function useToken(page: Page, token: string): Promise<void> {
  await page.fill('#token', token);
  await page.click('#token-form button[type=submit]');
}

/** Opens the threshold editor of a mount, writes levels, and waits for the editor's verdict. */
async function writeLevels(page: Page, mountId: number, l1: string, l2: string): Promise<string> {
  await page.click(`#mounts button.edit[data-mount-id="${mountId}"]`);
  await page.fill('#threshold-l1', l1);
  await page.fill('#threshold-l2', l2);
  await page.click('#threshold-form button[type=submit]');
  const status = page.locator('#threshold-status');
  await waitFor('the editor to answer', async () => ((await status.textContent())?.match(/^(Saved|Not saved)/) ? true : undefined));
  const verdict = (await status.textContent()) ?? '';
  await page.click('#threshold-cancel');
  return verdict;
}

test('the page lists an odd loop mount exactly, changes its thresholds as admin only, and shows its remount', async (t) => {
  if (!needRoot(t) || !needChromium(t)) return;
  const dir = await tempDir(t, 'fsevd-web-');
  const odd = join(dir, ODD_NAME);
  await mkdir(odd);
  // argv cannot carry the 0xff byte: mount through a symlink, which mount(8) resolves.
  await mkdir(Buffer.concat([Buffer.from(`${dir}/`), RAW_NAME]));
  const link = join(dir, 'link');
  await symlink(Buffer.concat([Buffer.from(`${dir}/`), RAW_NAME]), link);
  const images = [await makeExt4Image(await mkdtemp(join(dir, 'a-')), 16), await makeExt4Image(await mkdtemp(join(dir, 'b-')), 16)];
  const config = join(dir, 'fsevd.yaml');
  await writeFile(config, `api:\n  tokens:\n    - { name: admin, role: admin, token: "${ADMIN}" }\n    - { name: reader, role: read, token: "${READER}" }\n`);
  const daemon = await startDaemon(t, join(dir, 'state'), ['--config', config]);
  await run('mount', ['-o', 'loop', images[0]!, odd]);
  await run('mount', ['-o', 'loop', images[1]!, link]);
  const [mount, raw] = await waitFor('the daemon to list both and sample the first', async () => {
    const { mounts } = await daemon.get<{ mounts: MountState[] }>('/api/v1/mounts');
    const found = [mounts.find((m) => m.mountpoint === odd && m.space), mounts.find((m) => m.mountpoint === `${dir}/raw \udcff`)];
    return found[0] && found[1] ? (found as [MountState, MountState]) : undefined;
  });

  const { page, problems } = await openPage(t);
  await page.goto(`${daemon.url}/`);
  const row = page.locator(`#mounts .row:has(button.edit[data-mount-id="${mount.mountId}"])`);
  await row.waitFor({ timeout: 10_000 });
  // Compared inside the page with the API's own strings: a lone surrogate survives no other path.
  const shown = await page.evaluate(async (ids) => Promise.all(ids.map(async (id) => {
    const answer = (await (await fetch(`/api/v1/mounts/${id}`)).json()) as { mountpoint: string };
    const cell = document.querySelector(`#mounts button.edit[data-mount-id="${id}"]`)?.closest('.row')?.querySelector('.path');
    return cell?.textContent === answer.mountpoint;
  })), [mount.mountId, raw.mountId]);
  assert.deepEqual(shown, [true, true], 'each path is shown as text, character for character');
  assert.equal(await page.locator('main b, main img').count(), 0, 'the markup in the path made no element');
  assert.match(await row.innerText(), /<b>bold<img src=x onerror=alert\(1\)> "dq" 'sq'\nline2/, 'shown literally, the newline as a line break');

  const thresholds = async () => (await daemon.get<{ lines: string[] }>('/api/v1/thresholds')).lines;
  const escaped = escapeMountPath(mount.mountpoint);
  await useToken(page, ADMIN);
  assert.match(await writeLevels(page, mount.mountId, '30%', '10%'), /^Saved/);
  assert.ok((await thresholds()).includes(`${escaped} T 30% 10%`), 'the REST API has the levels the page wrote');
  await waitFor('the row to show the new levels', async () => ((await row.innerText()).includes('L1 30% · L2 10%') ? true : undefined), 15_000);

  await useToken(page, READER);
  const refused = await writeLevels(page, mount.mountId, '40%', '20%');
  assert.match(refused, /^Not saved: .*role read.*admin token/, 'the page says why');
  assert.ok((await thresholds()).includes(`${escaped} T 30% 10%`) && !(await thresholds()).some((l) => l.includes('40%')), 'nothing changed');

  await run('mount', ['-o', 'remount,ro', odd]);
  const remounted = performance.now();
  await page.waitForFunction((id) => [...document.querySelectorAll('#feed .rows > .row')].some((tr) =>
    tr.querySelector('.type')?.textContent === 'REMOUNT' && tr.querySelector('.path')?.textContent === (document.querySelector(`#mounts button.edit[data-mount-id="${id}"]`)?.closest('.row')?.querySelector('.path')?.textContent ?? '\0')), mount.mountId, { timeout: 10_000, polling: 'raf' });
  t.diagnostic(`REMOUNT row in the page ${(performance.now() - remounted).toFixed(0)} ms after mount -o remount,ro returned`);
  await waitFor('the row to say read-only', async () => ((await row.innerText()).includes('read-only') ? true : undefined), 15_000);
  t.diagnostic(`screenshot: ${await screenshot(page, 'web-page.png')}`);
  assert.deepEqual(problems, [], 'no script error or CSP violation in the page');
});
