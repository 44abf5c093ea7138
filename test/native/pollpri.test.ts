/**
 * fsevd_native watchPriority(): POLLPRI watcher on /proc/self/mountinfo.
 *
 * Tests that count mount events run fixtures/pollpri-scenario.ts in a child inside a private
 * mount namespace (`unshare --mount --propagation private`): other processes on the host may
 * be mounting at any time, and their events must neither satisfy nor break these tests. That
 * needs root, or else unprivileged user namespaces (the child then runs as a mapped root);
 * without either, those tests are skipped with the reason. The tmpfs
 * mounts live only in the child's namespace; every temp dir is removed in t.after, which also
 * unmounts it (umount -l as fallback) should a mount ever have reached this namespace.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNative, type NativeBinding } from '../../src/native/binding.ts';

const MOUNTINFO = '/proc/self/mountinfo';
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const bindingTs = path.join(repoRoot, 'src/native/binding.ts');
const addonPath = path.join(repoRoot, 'native/build/Release/fsevd_native.node');
const scenarioTs = fileURLToPath(new URL('./fixtures/pollpri-scenario.ts', import.meta.url));

const loaded = loadNative();
const skipNative: string | false = loaded.ok ? false : `fsevd_native unavailable: ${loaded.reason}`;
const mountNs = privateMountNs();
const skipMount: string | false = skipNative || (mountNs.ok ? false : mountNs.reason);

/**
 * How to run a child in a private mount namespace where it may mount tmpfs: plain unshare as
 * root, else an unprivileged user namespace (mapped to root) if the kernel allows it.
 */
function privateMountNs(): { ok: true; wrapper: string[] } | { ok: false; reason: string } {
  const uid = process.getuid?.();
  const wrapper =
    uid === 0
      ? ['unshare', '--mount', '--propagation', 'private', '--']
      : ['unshare', '--user', '--map-root-user', '--mount', '--propagation', 'private', '--'];
  const dir = mkdtempSync(path.join(tmpdir(), 'fsevd-pollpri-probe-'));
  try {
    const [cmd = 'unshare', ...args] = wrapper;
    execFileSync(cmd, [...args, 'sh', '-c', 'mount -t tmpfs fsevd-probe "$1" && umount "$1"', 'sh', dir], {
      stdio: 'pipe',
    });
    return { ok: true, wrapper };
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return {
      ok: false,
      reason:
        uid === 0
          ? `mount tests need unshare(1) and CAP_SYS_ADMIN to mount tmpfs in a private mount namespace: ${why}`
          : `mount tests need root, or unprivileged user namespaces, to mount tmpfs in a private mount namespace (running as uid ${String(uid)}): ${why}`,
    };
  } finally {
    rmdirSync(dir);
  }
}

function addon(): NativeBinding {
  if (!loaded.ok) throw new Error(loaded.reason);
  return loaded.native;
}

/** A fresh temp dir to mount tmpfs on; unmounted if needed (umount -l as fallback) and removed in t.after. */
function mountPoint(t: TestContext): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'fsevd-pollpri-'));
  const mountedHere = () =>
    readFileSync(MOUNTINFO, 'utf8')
      .split('\n')
      .some((l) => l.split(' ')[4] === dir);
  t.after(() => {
    for (let i = 0; i < 8 && mountedHere(); i++) {
      try {
        execFileSync('umount', [dir], { stdio: 'pipe' });
      } catch {
        execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      }
    }
    rmdirSync(dir);
  });
  return dir;
}

/** Run a fixtures/pollpri-scenario.ts scenario in a private mount namespace; returns its JSON. */
async function scenario(t: TestContext, name: string): Promise<Record<string, unknown>> {
  const dir = mountPoint(t);
  const res = await runNode(
    ['--import', 'tsx', scenarioTs, name, dir],
    30_000,
    mountNs.ok ? mountNs.wrapper : [],
  );
  assert.equal(res.timedOut, false, `scenario ${name} hung (stderr: ${res.stderr})`);
  assert.equal(res.code, 0, `scenario ${name} failed: ${res.stderr}`);
  return JSON.parse(res.stdout) as Record<string, unknown>;
}

/** Threads named by the addon (pthread_setname_np "fsevd-pollpri") in this process. */
function watcherThreads(): number {
  return readdirSync('/proc/self/task').filter((tid) => {
    try {
      return readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() === 'fsevd-pollpri';
    } catch {
      return false; // thread exited while we looked
    }
  }).length;
}

/** Open fds of the kinds a watcher holds: the watched mountinfo and its eventfd. */
function watcherFds(): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      return target === 'anon_inode:[eventfd]' || target.endsWith('/mountinfo');
    } catch {
      return false; // fd closed while we looked (e.g. readdir's own)
    }
  }).length;
}

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

/** Run `[...wrapper] node <args>`; SIGKILL it if it is still running after timeoutMs. */
function runNode(args: string[], timeoutMs: number, wrapper: string[] = []): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const [cmd = process.execPath, ...pre] = [...wrapper, process.execPath];
    const child = spawn(cmd, [...pre, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut, ms: Date.now() - started });
    });
  });
}

test('loadNative() loads the addon and exposes watchPriority', { skip: skipNative }, () => {
  assert.equal(typeof addon().watchPriority, 'function');
  assert.equal(loadNative(), loaded, 'the load result is cached');
});

test('a tmpfs mount and its umount each fire onChange', { skip: skipMount }, async (t) => {
  const r = await scenario(t, 'mount-umount');
  assert.deepEqual(r, {
    afterMount: { arrived: true, calls: 1, visible: true },
    afterUmount: { arrived: true, calls: 2, visible: false },
  });
});

test('no onChange when nothing changes', { skip: skipMount }, async (t) => {
  assert.deepEqual(await scenario(t, 'quiet'), { calls: 0 });
});

test('several changes while JS is busy are coalesced into one call', { skip: skipMount }, async (t) => {
  assert.deepEqual(await scenario(t, 'coalesce'), { arrived: true, calls: 1 });
});

test('close() is idempotent and stops callbacks, even one already queued', { skip: skipMount }, async (t) => {
  assert.deepEqual(await scenario(t, 'close'), {
    mountArrived: true,
    umountArrived: true,
    closedCalls: 0,
    witnessCalls: 2,
  });
});

test('close() from inside onChange', { skip: skipMount }, async (t) => {
  assert.deepEqual(await scenario(t, 'close-in-callback'), { arrived: true, calls: 1 });
});

test('an exception thrown by onChange is reported as uncaught', { skip: skipMount }, async (t) => {
  assert.deepEqual(await scenario(t, 'throw'), { uncaught: 'boom' });
});
test('watchPriority on a missing path throws ENOENT synchronously', { skip: skipNative }, () => {
  const missing = path.join(tmpdir(), `fsevd-no-such-${process.pid}-${Date.now()}`, 'mountinfo');
  assert.throws(() => addon().watchPriority(missing, () => {}), {
    name: 'Error',
    code: 'ENOENT',
    syscall: 'open',
    path: missing,
    message: /^ENOENT: .*, open '/,
  });
});

test('watchPriority rejects bad arguments with TypeError', { skip: skipNative }, () => {
  const wp = addon().watchPriority as unknown as (...args: unknown[]) => unknown;
  assert.throws(() => wp(42, () => {}), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => wp(MOUNTINFO, 'nope'), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => wp(MOUNTINFO), { name: 'TypeError' });
  assert.throws(() => wp('/proc/self/mount\0info', () => {}), { code: 'ERR_INVALID_ARG_VALUE' });
});

test('create/close cycles leak no fds or threads', { skip: skipNative }, () => {
  const fds = watcherFds();
  assert.equal(watcherThreads(), 0);
  for (let i = 0; i < 200; i++) {
    addon().watchPriority(MOUNTINFO, () => {}).close();
  }
  const live = Array.from({ length: 20 }, () => addon().watchPriority(MOUNTINFO, () => {}));
  assert.equal(watcherThreads(), 20, 'one thread per live watcher');
  assert.equal(watcherFds(), fds + 40, 'two fds per live watcher');
  for (const w of live) w.close();
  assert.equal(watcherThreads(), 0, 'close() joined every thread');
  assert.equal(watcherFds(), fds, 'close() closed every fd');
});

test('a process whose only handle is a watcher exits on its own', { skip: skipNative }, async () => {
  const script = `
    import { loadNative } from ${JSON.stringify(bindingTs)};
    const r = loadNative();
    if (!r.ok) { console.error(r.reason); process.exit(3); }
    globalThis.keep = r.native.watchPriority('/proc/self/mountinfo', () => {});
    console.log('watching');
  `;
  const res = await runNode(['--import', 'tsx', '--input-type=module', '-e', script], 5000);
  assert.equal(res.timedOut, false, `child still running after 5 s (stderr: ${res.stderr})`);
  assert.equal(res.stdout.trim(), 'watching', res.stderr);
  assert.equal(res.code, 0, res.stderr);
});

test('garbage-collected watchers stop their threads', { skip: skipNative }, async () => {
  const script = `
    const { readFileSync, readdirSync } = require('node:fs');
    const threads = () => readdirSync('/proc/self/task').filter((t) => {
      try { return readFileSync('/proc/self/task/' + t + '/comm', 'utf8').trim() === 'fsevd-pollpri'; } catch { return false; }
    }).length;
    const native = require(${JSON.stringify(addonPath)});
    for (let i = 0; i < 50; i++) native.watchPriority('/proc/self/mountinfo', () => {});
    if (threads() !== 50) { console.log('threads not started'); process.exit(5); }
    const deadline = Date.now() + 4000;
    (function check() {
      globalThis.gc();
      if (threads() === 0) { console.log('stopped'); return; }
      if (Date.now() > deadline) { console.log('still running: ' + threads()); process.exit(6); }
      setTimeout(check, 20);
    })();
  `;
  const res = await runNode(['--expose-gc', '-e', script], 10_000);
  assert.equal(res.stdout.trim(), 'stopped', res.stderr);
  assert.equal(res.code, 0, res.stderr);
});

test('env teardown with live watchers (worker terminate, worker exit, process.exit)', { skip: skipNative }, async () => {
  const workerCode = `
    const { parentPort } = require('node:worker_threads');
    const native = require(${JSON.stringify(addonPath)});
    globalThis.keep = native.watchPriority('/proc/self/mountinfo', () => {});
    parentPort.postMessage('ready');
  `;
  const script = `
    const { Worker } = require('node:worker_threads');
    const native = require(${JSON.stringify(addonPath)});
    const workerCode = ${JSON.stringify(workerCode)};
    globalThis.keep = native.watchPriority('/proc/self/mountinfo', () => {});
    const terminated = new Worker(workerCode, { eval: true });
    terminated.once('message', async () => {
      await terminated.terminate();
      const natural = new Worker(workerCode, { eval: true });
      natural.once('exit', (code) => {
        console.log('worker exit ' + code);
        process.exit(0);
      });
    });
  `;
  const res = await runNode(['-e', script], 10_000);
  assert.equal(res.timedOut, false, `child hung (stderr: ${res.stderr})`);
  assert.equal(res.stdout.trim(), 'worker exit 0', res.stderr);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(res.stderr, '');
});
