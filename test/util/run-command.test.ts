/**
 * runCommand for real: argv without a shell, stdin and environment passed exactly, output kept
 * up to the bound, the exit status or signal, a program that cannot start, and a timeout (or an
 * abort) that kills the whole process group, grandchildren included.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { runCommand } from '../../src/util/run-command.ts';
import { tempDir, waitFor } from '../helpers/system.ts';

/** True while a process with this pid exists (signal 0 probes without killing). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('argv is passed as is (no shell), stdin and env arrive exactly, the exit status is reported', async (t) => {
  const dir = await tempDir(t);
  const marker = join(dir, 'x');
  const weird = `$(touch ${marker}) ; "quotes' \`tick\` \n newline`;
  const result = await runCommand({ argv: ['/bin/sh', '-c', 'printf %s "$1"; cat; printf %s "$WEIRD" >&2; exit 3', 'sh', weird], stdin: weird, env: { WEIRD: weird }, timeoutMs: 10_000 });
  assert.equal(result.exitCode, 3);
  assert.equal(result.stdout, weird + weird);
  assert.equal(result.stderr, weird);
  assert.equal(result.timedOut, false);
  assert.equal(existsSync(marker), false, 'nothing in the argument was executed');
});

test('output beyond maxOutputBytes is not kept; a missing program or a NUL byte is a spawnError, not a throw', async () => {
  const big = await runCommand({ argv: ['/bin/sh', '-c', 'head -c 100000 /dev/zero'], timeoutMs: 10_000, maxOutputBytes: 1000 });
  assert.equal(big.stdout.length, 1000);
  assert.equal(big.exitCode, 0);
  const missing = await runCommand({ argv: ['/nonexistent/program'], timeoutMs: 10_000 });
  assert.equal(missing.exitCode, null);
  assert.match(missing.spawnError ?? '', /ENOENT/);
  const empty = await runCommand({ argv: [], timeoutMs: 1000 });
  assert.equal(empty.spawnError, 'empty argv');
  // spawn throws synchronously on a NUL byte; runCommand still resolves with the reason.
  const nul = await runCommand({ argv: ['/bin/echo', 'a\0b'], timeoutMs: 1000 });
  assert.equal(nul.exitCode, null);
  assert.match(nul.spawnError ?? '', /null bytes/);
});

test('a timeout kills the whole process group, a child that ignores SIGTERM and a grandchild included', async (t) => {
  const dir = await tempDir(t);
  const pids = join(dir, 'pids');
  // The leader records its pid and a background child's, and both ignore SIGTERM: only SIGKILL ends them.
  const script = `trap '' TERM; sleep 300 & echo $$ $! > ${pids}; wait`;
  const result = await runCommand({ argv: ['/bin/sh', '-c', script], timeoutMs: 300, killGraceMs: 200 });
  assert.equal(result.timedOut, true);
  assert.equal(result.exitCode, null);
  const recorded = (await readFile(pids, 'utf8')).trim().split(' ').map(Number);
  assert.equal(recorded.length, 2);
  for (const pid of recorded) await waitFor(`pid ${pid} to be gone`, () => (alive(pid) ? undefined : true));
});

test('aborting the signal kills the group like a timeout', async () => {
  const abort = new AbortController();
  const running = runCommand({ argv: ['/bin/sleep', '300'], timeoutMs: 60_000, signal: abort.signal, killGraceMs: 100 });
  setTimeout(() => abort.abort(), 100);
  const result = await running;
  assert.equal(result.timedOut, true);
  assert.equal(result.signalName, 'SIGTERM');
});
