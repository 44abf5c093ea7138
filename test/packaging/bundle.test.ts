/**
 * The dist/ bundle that `npm install` builds (scripts/build.mjs): built here into a scratch
 * directory beside dist/ (so the daemons other tests start from dist/ never lose it mid-build),
 * it needs no package at run time but netlink (and ws's optional native helpers), prints the
 * version from package.json, starts its lazily loaded commands, and as a daemon serves /healthz,
 * the web page, the OpenAPI document and /metrics, with the native addon loaded (statfs, which
 * needs it, is up) and the netlink package found (uevent is up).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { onCleanup } from '../helpers/cleanup.ts';
import { startDaemon } from '../helpers/daemon.ts';
import { tempDir } from '../helpers/system.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ADDON = join(ROOT, 'native/build/Release/fsevd_native.node');
/**
 * Packages the bundle may still import at run time: netlink has a native part found by path; the
 * others are optional (ws's native speed-ups, debug's colours), required inside a try.
 */
const EXTERNAL = [/^netlink\//, /^bufferutil$/, /^utf-8-validate$/, /^supports-color$/];
const node = promisify(execFile);

/** Builds the bundle into a fresh directory directly under the package root; removed after the test. */
async function buildBundle(t: TestContext): Promise<string> {
  const out = await mkdtemp(join(ROOT, '.bundle-test-'));
  onCleanup(t, () => rm(out, { recursive: true, force: true }));
  await node(process.execPath, [join(ROOT, 'scripts/build.mjs'), out], { cwd: ROOT, timeout: 120_000 });
  return out;
}

/** Every module specifier the bundle's files import or require that is not one of its own chunks. */
async function runtimeImports(out: string): Promise<Set<string>> {
  const found = new Set<string>();
  for (const name of (await readdir(out)).filter((file) => file.endsWith('.js'))) {
    const code = await readFile(join(out, name), 'utf8');
    for (const match of code.matchAll(/^(?:import|export|\})[^;\n]*?\bfrom\s*"([^"]+)"|\bimport\(\s*"([^"]+)"\)|__require\(\s*"([^"]+)"\)/gm)) {
      const spec = match[1] ?? match[2] ?? match[3]!;
      if (!spec.startsWith('./')) found.add(spec);
    }
  }
  return found;
}

test('the bundle needs no package at run time but netlink, prints the version and runs its lazily loaded commands', async (t) => {
  const out = await buildBundle(t);
  const imports = await runtimeImports(out);
  assert.ok(imports.size > 0, 'the scan found the node built-ins the bundle imports');
  const builtins = new Set(builtinModules);
  const packages = [...imports].filter((spec) => !spec.startsWith('node:') && !builtins.has(spec));
  assert.ok(packages.some((spec) => spec.startsWith('netlink/')), 'netlink is imported from its own files');
  assert.deepEqual(packages.filter((spec) => !EXTERNAL.some((allowed) => allowed.test(spec))), [], 'everything else is inside the bundle');

  const { version } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  assert.equal((await node(process.execPath, [join(out, 'fsevd.js'), '--version'])).stdout.trim(), version);
  const monitorHelp = await node(process.execPath, [join(out, 'fsevd.js'), 'monitor', '--help']);
  assert.match(monitorHelp.stdout, /Usage: fsevd monitor/, 'the monitor command (a separate chunk) loads');
});

test('the bundle runs the daemon: healthz, web page, OpenAPI, metrics, the native addon and netlink', async (t) => {
  const out = await buildBundle(t);
  const daemon = await startDaemon(t, await tempDir(t), [], [], join(out, 'fsevd.js'));
  assert.equal((await daemon.get('/healthz')).status, 'ok');

  const page = await fetch(`${daemon.url}/`);
  assert.equal(page.status, 200, 'the web page is found from the bundle');
  assert.match(await page.text(), /<html/i);
  assert.equal((await fetch(`${daemon.url}/web/app.js`)).status, 200);

  const openapi = await daemon.get<{ paths: Record<string, unknown> }>('/api/v1/openapi.json');
  assert.ok(openapi.paths['/api/v1/mounts'], 'the OpenAPI document lists the routes');
  const metrics = await (await fetch(`${daemon.url}/metrics`)).text();
  assert.match(metrics, /^fsevd_/m);

  const { sources } = await daemon.get<{ sources: Array<{ name: string; state: string; reason?: string }> }>('/api/v1/sources');
  const source = (name: string) => sources.find((s) => s.name === name);
  if (existsSync(ADDON)) assert.equal(source('statfs')?.state, 'up', `statfs needs the native addon: ${JSON.stringify(source('statfs'))}`);
  else t.diagnostic('native addon not built (npm install runs node-gyp): its loading from the bundle is not checked');
  assert.equal(source('uevent')?.state, 'up', `uevent reads through the netlink package: ${JSON.stringify(source('uevent'))}`);
});
