/**
 * The fsevd command as users meet it: help, version, exit codes, signals, reload, the state-dir
 * lock, and an unprivileged run.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { access, chown, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startDaemon } from './helpers/daemon.ts';
import { isRoot, tempDir, waitFor } from './helpers/system.ts';

const BIN = fileURLToPath(new URL('../bin/fsevd.js', import.meta.url));
const version = (JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

function fsevd(...args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000 });
}

test('--version, --help and run --help', () => {
  assert.equal(fsevd('--version').stdout, `${version}\n`);
  const help = fsevd('--help');
  assert.equal(help.status, 0);
  assert.match(help.stdout, /Usage: fsevd <command>/);
  const runHelp = fsevd('run', '--help');
  assert.equal(runHelp.status, 0);
  for (const flag of ['--listen', '--config', '--state-dir', '--log-level']) assert.ok(runHelp.stdout.includes(flag), flag);
});

test('usage and config mistakes exit 2 with one line on stderr', async (t) => {
  const dir = await tempDir(t);
  const badConfig = join(dir, 'bad.yaml');
  await writeFile(badConfig, 'logLevel: loud\n');
  for (const args of [['bogus'], ['run', '--bogus'], ['run', '--config', badConfig, '--state-dir', dir], ['run', '--listen', 'nope', '--state-dir', dir]]) {
    const result = fsevd(...args);
    assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, /^fsevd: .+\n$/, `${args.join(' ')} printed: ${result.stderr}`);
  }
});

test('SIGTERM stops cleanly: exit 0, journal kept, lock released', async (t) => {
  const dir = await tempDir(t);
  const daemon = await startDaemon(t, dir);
  assert.equal(await daemon.stop('SIGTERM'), 0);
  assert.ok(daemon.logs.some((l) => l.msg === 'Stopped'));
  await assert.rejects(access(join(dir, 'fsevd.pid')), 'the pid file is removed');
  await access(join(dir, 'journal'));
});

test('a second daemon on the same state dir is refused; a stale lock is taken over', async (t) => {
  const dir = await tempDir(t);
  const first = await startDaemon(t, dir);
  const second = fsevd('run', '--listen', '127.0.0.1:0', '--state-dir', dir);
  assert.equal(second.status, 1);
  assert.match(second.stderr, new RegExp(`Another fsevd \\(pid ${first.child.pid}\\)`));
  await first.stop('SIGKILL');
  const third = await startDaemon(t, dir);
  assert.equal((await third.get<{ status: string }>('/healthz')).status, 'ok');
});

test('SIGHUP applies a valid config and keeps the running one when the new file is invalid', async (t) => {
  const dir = await tempDir(t);
  const config = join(dir, 'fsevd.yaml');
  await writeFile(config, 'logLevel: debug\n');
  const daemon = await startDaemon(t, join(dir, 'state'), ['--config', config]);
  // listen comes from the command line, which overrides the file; node does not.
  await writeFile(config, 'logLevel: info\nlogEvents: false\nlisten: 127.0.0.1:1\nnode: renamed\n');
  daemon.child.kill('SIGHUP');
  const reloaded = await waitFor('reload log line', () => daemon.logs.find((l) => typeof l.msg === 'string' && l.msg.startsWith('Config reloaded')));
  assert.deepEqual(reloaded.needRestart, ['node']);
  await writeFile(config, 'logLevel: [broken\n');
  daemon.child.kill('SIGHUP');
  const rejected = await waitFor('rejection log line', () => daemon.logs.find((l) => l.msg === 'Config reload rejected; keeping the running config'));
  assert.match(JSON.stringify(rejected.err), /fsevd\.yaml/);
  assert.equal((await daemon.get<{ status: string }>('/healthz')).status, 'ok', 'still serving after a rejected reload');
});

test('runs unprivileged: starts, serves, and reports sources instead of crashing', async (t) => {
  if (!isRoot) return t.skip('needs root to switch to an unprivileged user');
  const dir = await tempDir(t);
  await chown(dir, 65534, 65534);
  const which = spawnSync('sh', ['-c', 'command -v setpriv'], { encoding: 'utf8' });
  if (which.status !== 0) return t.skip('setpriv (util-linux) is not installed');
  const daemon = await startDaemon(t, join(dir, 'state'), [], ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--']);
  const { sources } = await daemon.get<{ sources: Array<{ name: string; state: string }> }>('/api/v1/sources');
  assert.ok(sources.length > 0);
  for (const source of sources) assert.ok(['up', 'down'].includes(source.state), `${source.name}: ${source.state}`);
  assert.equal(sources.find((s) => s.name === 'mountinfo')?.state, 'up', 'the mount table is readable without privilege');
});
