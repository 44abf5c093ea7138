/**
 * Process helpers shared by the benchmarks: a sub-millisecond wall clock, spawning fsevd and the
 * bare baseline and timing them to their ready line, /proc readers (RSS, CPU ticks), and a
 * cleanup stack that also runs on SIGINT/SIGTERM so no child process or temp dir is left behind.
 * Not a benchmark itself; imported by bench/*.ts.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { anchoredWallClock } from './clock.ts';
import { ROOT, note } from './report.ts';

/** Wall-clock ms with sub-ms resolution (see clock.ts). */
export const wallNow = anchoredWallClock();

/** Clock ticks per second of /proc/PID/stat times. */
export const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/** utime + stime of every thread of `pid`, live or exited, in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields after "(comm)" start at field 3 (state); utime and stime are fields 14 and 15.
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** kB values of /proc/PID/status (VmRSS, VmHWM, RssAnon, RssFile, Threads …). */
export function procStatus(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const match = /^(\w+):\s+(\d+)/.exec(line);
    if (match) out[match[1]!] = Number(match[2]);
  }
  return out;
}

/** Direct children of `pid` (e.g. an esbuild service started by tsx). */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

type CleanupFn = () => Promise<void> | void;
const cleanups: Array<{ what: string; fn: CleanupFn }> = [];

/** Registers a cleanup step; returns a function that runs it now (once) and unregisters it. */
export function onCleanup(what: string, fn: CleanupFn): () => Promise<void> {
  const entry = { what, fn };
  cleanups.push(entry);
  return async () => {
    const index = cleanups.indexOf(entry);
    if (index < 0) return;
    cleanups.splice(index, 1);
    await fn();
  };
}

/** Runs every registered cleanup step, newest first; failures are reported, not thrown. */
export async function cleanupAll(): Promise<void> {
  while (cleanups.length > 0) {
    const { what, fn } = cleanups.pop()!;
    try {
      await fn();
    } catch (err) {
      note(`cleanup "${what}" failed: ${(err as Error).message}`);
    }
  }
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    note(`${signal}: cleaning up`);
    void cleanupAll().finally(() => process.exit(130));
  });
}

/** Runs `body`, then the cleanup stack whatever happens; sets the exit code on failure. */
export async function main(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    process.exitCode = 1;
    note(`FAILED: ${(err as Error).stack ?? String(err)}`);
  } finally {
    await cleanupAll();
  }
}

/** A fresh directory under os.tmpdir(), removed by the cleanup stack (or by the returned fn). */
export async function tempDir(prefix: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const remove = onCleanup(`rm ${dir}`, () => rm(dir, { recursive: true, force: true }));
  return { dir, remove };
}

/** A spawned server that printed its ready line. */
export interface Ready {
  child: ChildProcess;
  pid: number;
  url: string;
  /** ms from just before spawn() to the ready line reaching this process. */
  readyMs: number;
  /** Wall time (ms) just before spawn(). */
  spawnedAt: number;
  /** Every JSON line the process wrote on stderr so far. */
  logs: Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** What to run: argv after `node`, and extra environment. */
export interface Launch {
  label: string;
  args: string[];
  env?: Record<string, string>;
}

export const FSEVD_BIN = join(ROOT, 'bin/fsevd.js');
export const BARE_SERVER = join(ROOT, 'bench/baseline/bare-server.mjs');
export const WITH_TSX = join(ROOT, 'bench/baseline/with-tsx.mjs');

/** fsevd at the default log level (info: the level that prints "fsevd ready" with its port). */
export function fsevdLaunch(stateDir: string, env?: Record<string, string>): Launch {
  return { label: 'fsevd', args: [FSEVD_BIN, 'run', '--listen', '127.0.0.1:0', '--state-dir', stateDir, '--log-level', 'info'], ...(env ? { env } : {}) };
}

/** The bare fastify + ws + prom-client process, plain Node or through the tsx loader. */
export function bareLaunch(viaTsx: boolean): Launch {
  return viaTsx ? { label: 'bare (tsx)', args: [WITH_TSX, BARE_SERVER] } : { label: 'bare (node)', args: [BARE_SERVER] };
}

/**
 * Spawns `node …args` and resolves when it writes a JSON line whose msg ends in "ready" and that
 * carries `address` (fsevd's "fsevd ready", the baseline's "bare ready") — the same method for
 * both. The child is stopped by the cleanup stack if the caller does not stop it.
 */
export async function startReady(launch: Launch, timeoutMs = 20_000): Promise<Ready> {
  const spawnedAt = wallNow();
  const t0 = performance.now();
  const child = spawn(process.execPath, launch.args, {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...launch.env },
  });
  const exited = once(child, 'exit');
  const stop = onCleanup(`stop ${launch.label} ${child.pid}`, async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  });
  const logs: Array<Record<string, unknown>> = [];
  let buffered = '';
  try {
    const { url, readyMs } = await new Promise<{ url: string; readyMs: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${launch.label} not ready after ${timeoutMs} ms`)), timeoutMs);
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
        const at = performance.now();
        buffered += chunk;
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          let entry: Record<string, unknown>;
          try {
            entry = JSON.parse(line) as Record<string, unknown>;
          } catch {
            entry = { raw: line };
          }
          logs.push(entry);
          const address = entry.address as { host: string; port: number } | undefined;
          if (typeof entry.msg === 'string' && entry.msg.endsWith('ready') && address) {
            clearTimeout(timer);
            resolve({ url: `http://${address.host}:${address.port}`, readyMs: at - t0 });
          }
        }
      });
      void exited.then(([code, signal]) => {
        clearTimeout(timer);
        reject(new Error(`${launch.label} exited (${code ?? signal}) before ready: ${buffered}${JSON.stringify(logs.slice(-3))}`));
      });
    });
    return { child, pid: child.pid!, url, readyMs, spawnedAt, logs, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** GET url+path as JSON; throws on a non-2xx answer. */
export async function getJson<T>(url: string, path: string): Promise<T> {
  const response = await fetch(url + path);
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Every event after `since`, following `next` through all pages. */
export async function fetchEvents(url: string, since: number): Promise<Array<Record<string, unknown>>> {
  const all: Array<Record<string, unknown>> = [];
  for (let cursor = since; ; ) {
    const page = await getJson<{ events: Array<Record<string, unknown>>; next: number }>(url, `/api/v1/events?since=${cursor}&limit=10000`);
    all.push(...page.events);
    if (page.events.length < 10_000) return all;
    cursor = page.next;
  }
}
