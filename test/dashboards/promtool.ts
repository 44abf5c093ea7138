/**
 * Runs the real promtool (Debian package `prometheus`, installed by scripts/test-deps.sh) and
 * finds it on the PATH; tests skip with a reason when it is missing. Also: the metric families a
 * fresh DaemonMetrics defines (to check the dashboard, the rules and the README against), the
 * dashboard's queries with Grafana's variables substituted, and a parser of exposition text
 * written from the format's definition (not from fsevd's code).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { Registry } from 'prom-client';
import { DaemonMetrics } from '../../src/api/metrics/index.ts';

/** Absolute path of a program on the PATH, or undefined. */
export function onPath(program: string): string | undefined {
  return (process.env.PATH ?? '').split(':').filter(Boolean).map((dir) => join(dir, program)).find((path) => existsSync(path));
}

/** Skips the test unless `program` is installed; returns whether it may go on. */
export function needProgram(t: TestContext, program: string, debianPackage: string): boolean {
  const found = onPath(program) !== undefined;
  if (!found) t.skip(`needs ${program} (Debian package ${debianPackage}; scripts/test-deps.sh installs it as root)`);
  return found;
}

/** Result of one promtool run. */
export interface PromtoolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `promtool ...args`, writing `stdin` to it when given. rc 0 = clean, 3 = lint findings, 1 = broken input. */
export function promtool(args: string[], stdin?: string | Buffer): Promise<PromtoolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('promtool', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

/** Name → type of every family on a fresh daemon's /metrics (histograms as their base name). */
export async function definedFamilies(): Promise<Map<string, string>> {
  const metrics = new DaemonMetrics({
    registry: new Registry(),
    inputs: { node: 'n', version: '0', mounts: () => [], sources: () => [], journalSizeBytes: () => 0, subscribe: () => () => undefined },
  });
  const text = await metrics.render();
  metrics.close();
  return new Map([...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
}

/** Metric names a PromQL expression selects (identifiers followed by `{`, `[`, `)`, space or end that we know by prefix). */
export function metricNamesIn(expr: string): string[] {
  return [...new Set([...expr.matchAll(/\b((?:fsevd|process|nodejs)_[a-zA-Z0-9_]+)\b/g)].map((m) => m[1]!))];
}

/** The family a sample name belongs to (histogram samples end in _bucket, _sum, _count). */
export function familyOf(name: string, families: ReadonlyMap<string, string>): string | undefined {
  if (families.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return families.get(base) === 'histogram' ? base : undefined;
}

/** Grafana's variables replaced by what they expand to, so that Prometheus can run the query. */
export function substituteVariables(expr: string): string {
  return expr.replaceAll('$__rate_interval', '1m').replaceAll('$__range', '1h').replaceAll('$instance', '.+').replaceAll('$mountpoint', '.+');
}

/** Every query of dashboards/fsevd.json with the title of its panel. */
export function dashboardQueries(): Array<{ panel: string; expr: string }> {
  const dashboard = JSON.parse(readFileSync('dashboards/fsevd.json', 'utf8')) as { panels: Array<{ title: string; targets?: Array<{ expr: string }> }> };
  return dashboard.panels.flatMap((p) => (p.targets ?? []).map((target) => ({ panel: p.title, expr: target.expr })));
}

/** One sample of an exposition text. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses exposition text (format 0.0.4: label values escape \\, \" and \n); throws on what it cannot read. */
export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
    if (!name) throw new Error(`no metric name in ${JSON.stringify(line)}`);
    const labels: Record<string, string> = {};
    let i = name.length;
    if (line[i] === '{') {
      i += 1;
      while (line[i] !== '}') {
        const label = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(i));
        if (!label) throw new Error(`bad label at ${i} in ${JSON.stringify(line)}`);
        i += label[0].length;
        let value = '';
        for (; line[i] !== '"'; i++) {
          if (i >= line.length) throw new Error(`unterminated label value in ${JSON.stringify(line)}`);
          if (line[i] !== '\\') value += line[i];
          else value += { '\\': '\\', '"': '"', n: '\n' }[line[++i]!] ?? `\\${line[i]}`;
        }
        labels[label[1]!] = value;
        i += line[i + 1] === ',' ? 2 : 1;
      }
      i += 1;
    }
    samples.push({ name, labels, value: Number(line.slice(i).trim().split(' ')[0]) });
  }
  return samples;
}
