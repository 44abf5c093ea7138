/**
 * Helpers of the cluster tests: real fsevd daemons that accept injected events (an admin token in
 * their config), and the cluster subscriber as a real process (`fsevd cluster`, or the recording
 * fixture), with its log lines, its API and a stop/kill that waits for the exit.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';
import { startDaemon, type DaemonProcess } from '../helpers/daemon.ts';
import { onCleanup } from '../helpers/cleanup.ts';

/** The admin token the test daemons accept (POST /api/v1/events). */
export const ADMIN_TOKEN = 'cluster-test-admin-token-0123456789';
const BIN = fileURLToPath(new URL('../../bin/fsevd.js', import.meta.url));
const RECORDER = fileURLToPath(new URL('./fixtures/recording-cluster.ts', import.meta.url));

/** Starts a node daemon named `node` with the admin token, on `listen` (default: a free port). */
export async function startNode(t: TestContext, dir: string, node: string, listen = '127.0.0.1:0'): Promise<DaemonProcess> {
  const config = join(dir, `${node}.yaml`);
  await writeFile(config, JSON.stringify({ api: { tokens: [{ name: 'test', role: 'admin', token: ADMIN_TOKEN }] }, logEvents: false }));
  return startDaemon(t, join(dir, `state-${node}`), ['--node', node, '--config', config, '--listen', listen, '--log-level', 'info']);
}

/** Injects events into a node (POST /api/v1/events); returns their seqs. */
export async function inject(node: DaemonProcess, events: Array<Record<string, unknown>>): Promise<Array<number | null>> {
  const response = await fetch(`${node.url}/api/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(events) });
  if (response.status !== 202) throw new Error(`inject: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { seqs: Array<number | null> }).seqs;
}

/** A running cluster subscriber. */
export interface ClusterProcess {
  url: string;
  logs: Array<Record<string, unknown>>;
  get<T>(path: string): Promise<T>;
  /** Signals it and waits for the exit (code or signal name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Writes `config` and starts the subscriber on it (`recording`: the fixture with the `record` action). */
export async function startCluster(t: TestContext, dir: string, config: Record<string, unknown>, options: { recording?: boolean } = {}): Promise<ClusterProcess> {
  const file = join(dir, 'cluster.json');
  await writeFile(file, JSON.stringify({ listen: '127.0.0.1:0', stateDir: join(dir, 'cluster-state'), logLevel: 'debug', ...config }));
  const argv = options.recording ? ['--import', 'tsx', RECORDER, file] : [BIN, 'cluster', '--config', file];
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  const exit = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string);
  let exited = false;
  void exit.then(() => (exited = true));
  onCleanup(t, async () => {
    if (!exited) child.kill('SIGKILL');
    await exit;
  });
  const logs: Array<Record<string, unknown>> = [];
  let partial = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        const entry = (() => {
          try {
            return JSON.parse(line) as Record<string, unknown>;
          } catch {
            return { raw: line };
          }
        })();
        logs.push(entry);
        const address = entry.address as { host: string; port: number } | undefined;
        if (entry.msg === 'fsevd cluster ready' && address) resolve(`http://${address.host}:${address.port}`);
      }
    });
    void exit.then((code) => reject(new Error(`fsevd cluster exited (${code}) before it was ready: ${partial}${JSON.stringify(logs.slice(-5))}`)));
  });
  return {
    url,
    logs,
    async get<T>(path: string) {
      const response = await fetch(url + path);
      if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
      return (await response.json()) as T;
    },
    async stop(signal = 'SIGTERM') {
      if (!exited) child.kill(signal);
      return exit;
    },
  };
}

/** The scheduler-facing view of the nodes (GET /api/v1/cluster/nodes). */
export interface NodeView {
  address: string;
  fsevdNode: string | null;
  schedulerName: string;
  connected: boolean;
  cursor: number | null;
  unreachable: boolean;
  eventsReceived: number;
}
