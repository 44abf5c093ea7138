/**
 * The systemd packaging: install.sh puts a working copy of fsevd, the unit, the user and the config
 * into a root directory; `systemd-analyze verify` (which runs offline, without systemd as PID 1)
 * finds nothing wrong with the installed unit and does find a planted mistake; the offline
 * security review stays within its budget; the unit keeps the choices README "Install as a systemd
 * service" explains; uninstall.sh removes what install.sh put, keeping config and state unless
 * --purge. The unit's credentials are exercised for real in non-root.test.ts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/load.ts';
import { startDaemon } from '../helpers/daemon.ts';
import { needRoot, tempDir } from '../helpers/system.ts';
import { parseUnit, shippedUnit } from './unit-file.ts';

const HERE = fileURLToPath(new URL('../../packaging/systemd/', import.meta.url));
const BUILT = fileURLToPath(new URL('../../dist/.build-stamp', import.meta.url));
/** `systemd-analyze security` exposure (0-100; it prints 4.2 as "4.2", 42 here) the unit may not exceed. */
const EXPOSURE_BUDGET = 45;

function sh(file: string, args: string[]): { status: number | null; out: string } {
  const result = spawnSync(file, args, { encoding: 'utf8' });
  return { status: result.status, out: `${result.stdout}${result.stderr}`.trim() };
}

/** Installs into a fresh root with the system's own units beside it, so that verify can resolve the unit's dependencies. */
async function installedRoot(t: TestContext): Promise<string | undefined> {
  if (!needRoot(t)) return undefined;
  if (sh('systemd-analyze', ['--version']).status !== 0) return void t.skip('systemd-analyze (Debian package systemd) is not installed');
  if (!existsSync(BUILT)) return void t.skip('the tree is not built (npm install runs npm run build)');
  const root = join(await tempDir(t), 'root');
  const install = sh(join(HERE, 'install.sh'), ['--root', root, '--no-start']);
  assert.equal(install.status, 0, install.out);
  await mkdir(join(root, 'usr/lib/systemd'), { recursive: true });
  await cp('/usr/lib/systemd/system', join(root, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
  await mkdir(join(root, 'usr/bin'), { recursive: true });
  await cp('/bin/kill', join(root, 'usr/bin/kill'));
  await symlink('usr/bin', join(root, 'bin'));
  return root;
}

test('install.sh installs a copy that runs, a unit that verifies cleanly, the user and the config; uninstall.sh removes them', async (t) => {
  const root = await installedRoot(t);
  if (!root) return;
  const verify = sh('systemd-analyze', ['verify', `--root=${root}`, '/etc/systemd/system/fsevd.service']);
  assert.equal(verify.status, 0, verify.out);
  assert.equal(verify.out, '', 'systemd-analyze verify says nothing about a good unit');
  // The check can fail: a copy with a bad value and a misspelt key is reported.
  const broken = join(root, 'etc/systemd/system/fsevd-broken.service');
  await writeFile(broken, (await readFile(join(root, 'etc/systemd/system/fsevd.service'), 'utf8')).replace('Restart=on-failure', 'Restart=sometimes\nProtectSytem=strict'));
  const complaints = sh('systemd-analyze', ['verify', `--root=${root}`, '/etc/systemd/system/fsevd-broken.service']).out;
  assert.match(complaints, /restart specifier/);
  assert.match(complaints, /Unknown key.*ProtectSytem/);

  const security = sh('systemd-analyze', ['security', '--offline=true', `--root=${root}`, `--threshold=${EXPOSURE_BUDGET}`, 'fsevd.service']);
  assert.equal(security.status, 0, `exposure above ${EXPOSURE_BUDGET / 10}: ${security.out.split('\n').at(-1)}`);

  assert.match(await readFile(join(root, 'etc/passwd'), 'utf8'), /^fsevd:x:\d+:\d+:.*:\/var\/lib\/fsevd:/m, 'systemd-sysusers created the user');
  const config = join(root, 'etc/fsevd/fsevd.yaml');
  await loadConfig(config, {});

  // The installed copy (not the clone) runs with the installed config: the addon came along.
  const bin = join(root, 'usr/local/bin/fsevd');
  const dir = await tempDir(t);
  const daemon = await startDaemon(t, join(dir, 'state'), ['--config', config], ['sh', '-c', `shift; exec "${bin}" "$@"`]);
  const { sources } = await daemon.get<{ sources: Array<{ name: string; state: string; reason?: string }> }>('/api/v1/sources');
  const fanotify = sources.find((s) => s.name === 'fanotify');
  assert.equal(fanotify?.state, 'up', `the installed copy's native addon works: ${fanotify?.reason}`);
  assert.ok(!existsSync(join(root, 'usr/local/lib/fsevd/node_modules/typescript')), 'development packages are pruned');
  await daemon.stop();

  // Last, on the same root (one install keeps this test short): uninstall.sh undoes it.
  await mkdir(join(root, 'var/lib/fsevd'), { recursive: true });
  const keep = sh(join(HERE, 'uninstall.sh'), ['--root', root]);
  assert.equal(keep.status, 0, keep.out);
  for (const gone of ['usr/local/lib/fsevd', 'usr/local/bin/fsevd', 'etc/systemd/system/fsevd.service', 'etc/sysusers.d/fsevd.conf']) assert.ok(!existsSync(join(root, gone)), `${gone} removed`);
  for (const kept of ['etc/fsevd/fsevd.yaml', 'var/lib/fsevd']) assert.ok(existsSync(join(root, kept)), `${kept} kept`);
  const purge = sh(join(HERE, 'uninstall.sh'), ['--root', root, '--purge']);
  assert.equal(purge.status, 0, purge.out);
  for (const gone of ['etc/fsevd', 'var/lib/fsevd']) assert.ok(!existsSync(join(root, gone)), `${gone} purged`);
});

test('the unit keeps the documented choices', () => {
  const unit = shippedUnit();
  const one = (key: string) => unit.get(key)?.at(-1);
  assert.equal(one('Type'), 'exec', 'no sd_notify in fsevd: Type=notify would time out');
  assert.equal(one('Restart'), 'on-failure');
  assert.match(one('ExecReload') ?? '', /kill -HUP \$MAINPID$/);
  assert.equal(one('User'), 'fsevd');
  assert.equal(one('NoNewPrivileges'), 'yes');
  assert.equal(one('AmbientCapabilities'), one('CapabilityBoundingSet'), 'the bounding set is exactly what is granted');
  assert.equal(one('StateDirectory'), 'fsevd');
  assert.match(one('ExecStart') ?? '', /--state-dir \/var\/lib\/fsevd( |$)/, 'the state dir systemd creates is the one fsevd uses');
  // Each of these gives the service its own mount namespace, in which bind mounts make host
  // filesystems look read-only (ProtectSystem, ProtectHome) or hide mounts below them (PrivateTmp).
  for (const key of ['ProtectSystem', 'ProtectHome', 'PrivateTmp', 'ReadOnlyPaths', 'ReadWritePaths', 'InaccessiblePaths', 'TemporaryFileSystem', 'ProtectKernelTunables', 'ProtectControlGroups', 'ProtectKernelModules', 'ProtectKernelLogs', 'ProtectProc', 'PrivateMounts', 'PrivateDevices', 'DynamicUser', 'PrivateUsers', 'MemoryDenyWriteExecute', 'ProtectClock']) {
    assert.ok(!unit.has(key), `${key} must stay out of the unit (see its comment and README)`);
  }
  assert.deepEqual(parseUnit('[Service]\n# X=1\nA=1\nA=2\n').get('A'), ['1', '2'], 'the parser keeps repeated keys');
});
