/**
 * Real Prometheus, Alertmanager and node_exporter (Debian packages prometheus,
 * prometheus-alertmanager, prometheus-node-exporter) on 127.0.0.1, each on a free port with its
 * own temp storage, plus a webhook receiver in the test process. Every process is stopped in
 * t.after (SIGTERM, then SIGKILL), whether the test passed or not. Settings follow
 * shared/reference/real-components.md §2: 1 s scrape/evaluation, 1 s group wait, 1 s resend delay,
 * Alertmanager's cluster listener off (it would bind 0.0.0.0:9094).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { stringify } from 'yaml';
import { waitFor } from '../helpers/system.ts';

/** A port the kernel just gave out on 127.0.0.1 (closed again, so the caller can bind it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** Starts a program, keeps its output for failure messages, and stops it after the test. */
function startProgram(t: TestContext, file: string, args: string[]): { output: () => string } {
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    // The tail is enough to tell why a program did not come up.
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = once(child, 'exit');
  t.after(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  });
  return { output: () => output };
}

/** Waits until GET url answers 2xx. */
async function ready(what: string, url: string, output: () => string): Promise<void> {
  try {
    await waitFor(`${what} ready`, async () => ((await fetch(url).catch(() => undefined))?.ok ? true : undefined), 20_000);
  } catch (err) {
    throw new Error(`${(err as Error).message}; its output:\n${output()}`);
  }
}

/** An HTTP receiver of Alertmanager webhooks on 127.0.0.1; `alerts` grows with each POST. */
export async function webhookReceiver(t: TestContext): Promise<{ url: string; posts: Array<Record<string, unknown>> }> {
  const posts: Array<Record<string, unknown>> = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      try {
        posts.push(JSON.parse(body) as Record<string, unknown>);
      } catch {
        posts.push({ unparsable: body });
      }
      response.end('ok');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, posts };
}

/** Starts Alertmanager routing every alert to `webhookUrl` at once; returns its URL. */
export async function startAlertmanager(t: TestContext, dir: string, webhookUrl: string): Promise<string> {
  const port = await freePort();
  const config = join(dir, 'alertmanager.yml');
  await writeFile(config, stringify({
    route: { receiver: 'webhook', group_by: ['alertname'], group_wait: '1s', group_interval: '1s', repeat_interval: '1h' },
    receivers: [{ name: 'webhook', webhook_configs: [{ url: webhookUrl, send_resolved: true }] }],
  }));
  const { output } = startProgram(t, 'prometheus-alertmanager', [
    `--config.file=${config}`, `--storage.path=${join(dir, 'am-data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=',
  ]);
  const url = `http://127.0.0.1:${port}`;
  await ready('Alertmanager', `${url}/-/ready`, output);
  return url;
}

/**
 * node_exporter's default mount-point exclusion, plus every path that is not UTF-8: node_exporter
 * 1.5 panics on such a label value and dies (its filesystem collector calls MustNewConstMetric),
 * and other tests on this machine mount such paths. Go's regexp sees each bad byte as U+FFFD.
 */
export const NODE_EXPORTER_MOUNT_EXCLUDE = '^/(dev|proc|run|sys|mnt|media|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)|\\x{FFFD}';

/** Starts node_exporter with only the filesystem collector; returns its host:port. */
export async function startNodeExporter(t: TestContext): Promise<string> {
  const port = await freePort();
  const { output } = startProgram(t, 'prometheus-node-exporter', [
    '--collector.disable-defaults', '--collector.filesystem', `--collector.filesystem.mount-points-exclude=${NODE_EXPORTER_MOUNT_EXCLUDE}`, `--web.listen-address=127.0.0.1:${port}`,
  ]);
  await ready('node_exporter', `http://127.0.0.1:${port}/metrics`, output);
  return `127.0.0.1:${port}`;
}

/** Starts Prometheus scraping `targets` (job → host:port) every second, with `rulesFile` and Alertmanager. */
export async function startPrometheus(t: TestContext, dir: string, options: { targets: Record<string, string>; rulesFile: string; alertmanager: string }): Promise<string> {
  const port = await freePort();
  const config = join(dir, 'prometheus.yml');
  await writeFile(config, stringify({
    global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
    rule_files: [options.rulesFile],
    alerting: { alertmanagers: [{ static_configs: [{ targets: [new URL(options.alertmanager).host] }] }] },
    scrape_configs: Object.entries(options.targets).map(([job, target]) => ({ job_name: job, static_configs: [{ targets: [target] }] })),
  }));
  const { output } = startProgram(t, 'prometheus', [
    `--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'prom-data')}`, `--web.listen-address=127.0.0.1:${port}`, '--rules.alert.resend-delay=1s',
  ]);
  const url = `http://127.0.0.1:${port}`;
  await ready('Prometheus', `${url}/-/ready`, output);
  return url;
}

/** One instant-query result. */
export interface QueryResult {
  metric: Record<string, string>;
  value: [number, string];
}

/** Runs an instant query; throws with Prometheus' error when it fails. */
export async function query(prometheus: string, expr: string): Promise<QueryResult[]> {
  const response = await fetch(`${prometheus}/api/v1/query?${new URLSearchParams({ query: expr })}`);
  const body = (await response.json()) as { status: string; error?: string; data?: { result: QueryResult[] } };
  if (body.status !== 'success') throw new Error(`query ${expr}: ${body.error}`);
  return body.data!.result;
}
