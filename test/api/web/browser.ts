/**
 * A real headless browser for the web page's tests: Debian's chromium (scripts/test-deps.sh
 * installs it) driven by playwright-core, which downloads no browser of its own. Closed after the
 * test. Also where screenshots go: test-artifacts/ (gitignored), printed so CI can keep them.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { chromium, type Page } from 'playwright-core';

/** Debian's chromium binary. */
export const CHROMIUM = '/usr/bin/chromium';

/** Where tests leave screenshots. */
export const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));

/** Skips the test unless chromium is installed; returns whether it may go on. */
export function needChromium(t: TestContext): boolean {
  const present = existsSync(CHROMIUM);
  if (!present) t.skip(`needs ${CHROMIUM} (Debian package chromium; scripts/test-deps.sh installs it as root)`);
  return present;
}

/**
 * A new page in a fresh headless chromium, closed after the test. `--no-sandbox`: the tests run
 * as root, where chromium refuses its sandbox. Uncaught page errors and console errors (CSP
 * violations among them) are kept in `problems` so a test can assert the page ran cleanly.
 */
export async function openPage(t: TestContext, width = 1400, height = 1000): Promise<{ page: Page; problems: string[] }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport: { width, height } });
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (message) => {
    // Chromium logs every refused request and WebSocket itself; those are the daemon's answers (401, a restart), not the page's faults.
    if (message.type() === 'error' && !/^Failed to load resource|^WebSocket connection to .* failed/.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  return { page, problems };
}

/** Saves a full-page screenshot under test-artifacts/ and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, name);
  await page.screenshot({ path, fullPage: true });
  return path;
}
