/**
 * fsevd_native watchFsErrors(): the fanotify group's lifecycle at the addon level. Bad arguments
 * throw TypeErrors; close() is idempotent and mark() after it throws; a mark whose thread hangs on
 * a stopped FUSE server (bindfs + SIGSTOP) outlives close() without a crash or a late callback.
 * Needs root (fanotify filesystem marks, mounting); the FUSE case also needs bindfs.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadNative, type FsErrorMarkResult, type FsErrorWatcher } from '../../src/native/binding.ts';
import { needRoot, run, tempDir, waitFor } from '../helpers/system.ts';

const loaded = loadNative();
const watchFsErrors = loaded.ok ? loaded.native.watchFsErrors : undefined;
const skip = !watchFsErrors ? `fsevd_native without watchFsErrors: ${loaded.ok ? 'stale build' : loaded.reason}` : false;

/** Threads of this process still running a mark (named by fanotify_marks.c). */
async function markThreads(): Promise<number> {
  const tasks = await readdir('/proc/self/task');
  const names = await Promise.all(tasks.map((task) => readFile(`/proc/self/task/${task}/comm`, 'utf8').catch(() => '')));
  return names.filter((name) => name.trim() === 'fsevd-fanmark').length;
}

function open(results: FsErrorMarkResult[] = []): FsErrorWatcher {
  return watchFsErrors!(
    () => undefined,
    (result) => void results.push(result),
    () => undefined,
  );
}

test('bad arguments are TypeErrors; close() twice is fine; mark() after close() throws', { skip }, (t) => {
  if (!needRoot(t)) return;
  assert.throws(() => (watchFsErrors as unknown as (...args: unknown[]) => unknown)(() => undefined), TypeError);
  const watcher = open();
  assert.throws(() => watcher.mark(1, '/' as unknown as Buffer), TypeError);
  assert.throws(() => watcher.mark(1, Buffer.from('/tmp\0/x')), TypeError);
  assert.throws(() => watcher.mark(1, Buffer.alloc(0)), TypeError);
  watcher.close();
  watcher.close();
  assert.throws(() => watcher.mark(2, Buffer.from('/')), /after close/);
});

test('a mark of a missing path reports the failing step', { skip }, async (t) => {
  if (!needRoot(t)) return;
  const results: FsErrorMarkResult[] = [];
  const watcher = open(results);
  t.after(() => watcher.close());
  watcher.mark(7, Buffer.from('/nonexistent/fsevd'));
  const [result] = await waitFor('mark result', () => (results.length > 0 ? results : undefined));
  assert.equal(result!.id, 7);
  assert.deepEqual(result!.error && { code: result!.error.code, syscall: result!.error.syscall }, { code: 'ENOENT', syscall: 'open' });
});

test('a mark hung on a stopped FUSE server outlives close() without a crash or a late callback', { skip }, async (t) => {
  if (!needRoot(t)) return;
  if (!(await run('sh', ['-c', 'command -v bindfs']).then(() => true, () => false))) return void t.skip('needs bindfs');
  const dir = await tempDir(t);
  const mountpoint = join(dir, 'fuse');
  await mkdir(join(dir, 'src'));
  await mkdir(mountpoint);
  const server = spawn('bindfs', ['-f', join(dir, 'src'), mountpoint], { stdio: 'ignore' });
  t.after(() => {
    server.kill('SIGCONT');
    server.kill('SIGKILL');
  });
  await waitFor('bindfs mounted', async () => ((await readFile('/proc/self/mountinfo', 'utf8')).includes(` ${mountpoint} `) ? true : undefined));
  server.kill('SIGSTOP');
  const results: FsErrorMarkResult[] = [];
  const watcher = open(results);
  watcher.mark(1, Buffer.from(mountpoint));
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.deepEqual(results, [], 'the mark is still waiting for the stopped server');
  assert.equal(await markThreads(), 1, 'its thread is blocked');
  watcher.close();
  server.kill('SIGCONT');
  // The mark thread now finishes (ENODEV) against a closed watcher: its result must be dropped.
  await waitFor('the mark thread to end', async () => ((await markThreads()) === 0 ? true : undefined));
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.deepEqual(results, []);
});
