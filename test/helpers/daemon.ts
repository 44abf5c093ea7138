/**
 * Starts a real fsevd daemon process (bin/fsevd.js) on a loopback port chosen by the kernel, with
 * its own state dir, and stops it after the test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import type { FsEvent } from '../../src/collector/types.ts';
import { onCleanup } from './cleanup.ts';

const BIN = fileURLToPath(new URL('../../bin/fsevd.js', import.meta.url));

/** A running daemon process. */
export interface DaemonProcess {
  url: string;
  child: ChildProcess;
  /** Every log line so far (parsed JSON). */
  logs: Array<Record<string, unknown>>;
  get<T = Record<string, unknown>>(path: string): Promise<T>;
  /** Every event after `since`, following the `next` cursor through all pages. */
  events(since?: number): Promise<FsEvent[]>;
  /** Sends a signal and waits for the exit; resolves to the exit code or signal. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/**
 * Spawns `fsevd run` (optionally under a wrapper such as setpriv) and waits until it is ready.
 * `entry` is the script node runs: bin/fsevd.js unless a test starts a build directly.
 */
export async function startDaemon(t: TestContext, stateDir: string, extraArgs: string[] = [], wrapper: string[] = [], entry = BIN): Promise<DaemonProcess> {
  const argv = [process.execPath, entry, 'run', '--listen', '127.0.0.1:0', '--state-dir', stateDir, '--log-level', 'debug', ...extraArgs];
  const [file, ...args] = [...wrapper, ...argv];
  const child = spawn(file!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const logs: Array<Record<string, unknown>> = [];
  let exited = false;
  const exit = once(child, 'exit').then(([code, signal]) => {
    exited = true;
    return (code ?? signal) as number | string;
  });
  onCleanup(t, async () => {
    if (!exited) child.kill('SIGKILL');
    await exit;
  });
  let buffered = '';
  const ready = new Promise<string>((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          logs.push(entry);
          const address = entry.address as { host: string; port: number } | undefined;
          if (entry.msg === 'fsevd ready' && address) resolve(`http://${address.host}:${address.port}`);
        } catch {
          logs.push({ raw: line });
        }
      }
    });
    void exit.then((code) => reject(new Error(`fsevd exited (${code}) before it was ready: ${buffered}${JSON.stringify(logs.slice(-5))}`)));
  });
  const url = await ready;
  const get = async <T>(path: string): Promise<T> => {
    const response = await fetch(url + path);
    if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  return {
    url,
    child,
    logs,
    get,
    async events(since = 0) {
      const all: FsEvent[] = [];
      const limit = 10_000;
      for (let cursor = since; ; ) {
        const page = await get<{ events: FsEvent[]; next: number }>(`/api/v1/events?since=${cursor}&limit=${limit}`);
        all.push(...page.events);
        // A short page is the end of what exists now (a burst may still be adding more).
        if (page.events.length < limit) return all;
        cursor = page.next;
      }
    },
    async stop(signal = 'SIGTERM') {
      if (!exited) child.kill(signal);
      return exit;
    },
  };
}
