/**
 * Reporting helpers shared by the benchmarks: statistics (median, range, nearest-rank
 * percentiles), the machine description, number formatting, and writing one benchmark's section
 * of BENCHMARKS.md between its `<!-- bench:NAME -->` … `<!-- /bench:NAME -->` markers, leaving
 * every other section as it is. Not a benchmark itself; imported by bench/*.ts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (bench/lib/../..). */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The report every benchmark writes its section of. */
export const BENCHMARKS_MD = join(ROOT, 'BENCHMARKS.md');

const HEADER = `# fsevd benchmarks

Written by the scripts in bench/ (\`npm run bench\` runs them all; each section names the command
that produced it). Every figure is next to a baseline measured in the same run on the same machine,
with the ratio. Machine noise is not filtered: read the ranges. Nothing here is a pass/fail gate;
"met" / "not met" only says where the median stands against the target.
`;

/** Median, range and nearest-rank percentiles of a sample. */
export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
  p50: number;
  p95: number;
  p99: number;
  mean: number;
}

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/** Summary statistics; the median of an even sample is the mean of the middle two. */
export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const median = n === 0 ? NaN : n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  return {
    n,
    median,
    min: sorted[0] ?? NaN,
    max: sorted[n - 1] ?? NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    mean: n === 0 ? NaN : sorted.reduce((a, b) => a + b, 0) / n,
  };
}

/** Fixed-point number, or "–" for NaN. */
export function fmt(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '–';
}

/** "median [min–max]" with a unit. */
export function medianRange(s: Summary, unit: string, digits = 1): string {
  return `${fmt(s.median, digits)} ${unit} [${fmt(s.min, digits)}–${fmt(s.max, digits)}]`;
}

/** "1.23×" plus whether it is within the target ratio. */
export function ratioVerdict(ratio: number, target: number): string {
  return `${fmt(ratio, 2)}× (target ≤ ${target}×: ${ratio <= target ? '**met**' : '**not met**'})`;
}

/** A markdown table. */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The exact command that runs `script` (relative to the repository root). */
export function commandFor(script: string): string {
  const via = process.env.FSEVD_BENCH_RUNNER ? ` (run by \`${process.env.FSEVD_BENCH_RUNNER}\`)` : '';
  const env = ['FSEVD_BENCH_QUICK', 'FSEVD_BENCH_SHARED_NS']
    .filter((key) => process.env[key])
    .map((key) => `${key}=${process.env[key]} `)
    .join('');
  return `\`${env}node --import tsx ${script}\`${via}`;
}

/** The fsevd revision measured: HEAD plus how many files under src/, native/, bin/ differ from it. */
function revision(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', ['-C', ROOT, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = git('status', '--porcelain', '--', 'src', 'native', 'bin').split('\n').filter(Boolean).length;
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ` + uncommitted changes in ${dirty} files under src/, native/, bin/ (the working tree as it was during the run)` : ' (clean)'}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

/** Aggregate CPU jiffies of the whole machine from /proc/stat: busy (not idle/iowait) and total. */
function machineCpu(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  return { busy: total - fields[3]! - fields[4]!, total };
}

/** Start of a benchmark run: remembers when, the load average and the machine's CPU counters. */
export class RunContext {
  readonly started = new Date();
  readonly #load = loadavg();
  readonly #cpu = machineCpu();

  /** Share of all CPUs busy since the start (this benchmark's own processes included), in %. */
  busyPercent(): number {
    const now = machineCpu();
    return (100 * (now.busy - this.#cpu.busy)) / Math.max(1, now.total - this.#cpu.total);
  }

  /** The heading lines of a section: title, date, machine, command, how busy the machine was. */
  preamble(title: string, script: string): string {
    const model = cpus()[0]?.model.trim() ?? 'unknown CPU';
    const load = (values: number[]) => values.map((l) => l.toFixed(2)).join(' ');
    return [
      `## ${title}`,
      '',
      `- Date: ${this.started.toISOString()} (took ${fmt((Date.now() - this.started.getTime()) / 1000, 0)} s)`,
      `- Machine: nproc ${availableParallelism()} (${model}), kernel ${release()}, Node ${process.version}`,
      `- Noise: load average ${load(this.#load)} at start, ${load(loadavg())} at end; whole machine ${fmt(this.busyPercent(), 0)} % busy during the run (this benchmark's own processes included)`,
      `- fsevd: ${revision()}`,
      `- Command: ${commandFor(script)}`,
    ].join('\n');
  }
}

/** Runs `update` holding BENCHMARKS.md's lock (a directory), so that benchmarks run at once keep each other's sections. */
function withLock(update: () => void): void {
  const lock = `${BENCHMARKS_MD}.lock`;
  for (let tries = 0; ; tries++) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (tries >= 100) throw new Error(`${lock} held for 10 s: remove it if no benchmark is running`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
  try {
    update();
  } finally {
    rmdirSync(lock);
  }
}

/** Replaces (or appends) the section `name` of BENCHMARKS.md; other sections are kept verbatim. */
export function writeSection(name: string, body: string): void {
  withLock(() => replaceSection(name, body));
  process.stderr.write(`bench: wrote section "${name}" of ${BENCHMARKS_MD}\n`);
}

function replaceSection(name: string, body: string): void {
  const open = `<!-- bench:${name} -->`;
  const close = `<!-- /bench:${name} -->`;
  const section = `${open}\n${body.trim()}\n${close}`;
  const current = existsSync(BENCHMARKS_MD) ? readFileSync(BENCHMARKS_MD, 'utf8') : HEADER;
  const start = current.indexOf(open);
  const end = current.indexOf(close);
  const next =
    start >= 0 && end > start
      ? current.slice(0, start) + section + current.slice(end + close.length)
      : `${current.trimEnd()}\n\n${section}\n`;
  writeFileSync(`${BENCHMARKS_MD}.tmp`, next);
  renameSync(`${BENCHMARKS_MD}.tmp`, BENCHMARKS_MD);
}

/** Progress line on stderr. */
export function note(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}
