/**
 * Start-up benchmark: fsevd's start-to-ready time and its RSS after 2 s idle, next to the bare
 * daemon skeleton (bench/baseline/bare-server.mjs: fastify + ws + prom-client, one route) started
 * in the same run, both plain and through the same tsx loader fsevd runs under (to show what the
 * loader costs). Ready = the process's JSON ready line on stderr reaching the parent ("fsevd ready"
 * at log level info; "bare ready"), the same method for both, confirmed with one GET /healthz.
 * RSS = VmRSS from /proc/PID/status 2 s after ready. Runs alternate fsevd, bare, bare via tsx,
 * after one discarded warm-up round; each fsevd run gets a fresh temp state dir. A few extra fsevd
 * runs with TSX_DISABLE_CACHE=1 show the first start on a machine (no tsx transform cache).
 * Target: fsevd ≤ 1.2× the bare baseline for both figures.
 *
 * Run: node --import tsx bench/startup.ts        (FSEVD_BENCH_QUICK=1 for 3 rounds)
 * Writes the `startup` section of BENCHMARKS.md.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { bareLaunch, childrenOf, fsevdLaunch, getJson, main, procStatus, sleep, startReady, tempDir, WITH_TSX, type Launch } from './lib/proc.ts';
import { fmt, medianRange, note, ratioVerdict, ROOT, RunContext, summarize, table, writeSection } from './lib/report.ts';

const QUICK = Boolean(process.env.FSEVD_BENCH_QUICK);
const ROUNDS = QUICK ? 3 : 9;
const COLD_RUNS = QUICK ? 1 : 3;
const PROBE_ROUNDS = QUICK ? 2 : 5;
const PROBE = join(ROOT, 'bench/baseline/import-probe.mjs');
/** fsevd's runtime dependencies, as src/ imports them. */
const FSEVD_DEPS = ['fastify', 'pino', '@sinclair/typebox', '@sinclair/typebox/value', 'yaml'];
/** fsevd's own modules that cli.ts needs (importing cli.ts itself would start the CLI). */
const FSEVD_OWN = ['src/config/load.ts', 'src/log.ts', 'src/daemon.ts'].map((path) => pathToFileURL(join(ROOT, path)).href);
const IDLE_MS = 2000;
const TARGET = 1.2;

interface Sample {
  readyMs: number;
  rssMiB: number;
  hwmMiB: number;
  anonMiB: number;
  fileMiB: number;
  threads: number;
  /** RSS of child processes (tsx's esbuild service when its cache is cold). */
  childrenMiB: number;
  /** fsevd only: ms from spawn to the log lines that mark its start-up phases. */
  phases: Record<string, number>;
}

const PHASE_MESSAGES = ['Journal opened', 'Source state changed', 'fsevd ready'];

async function measure(launch: Launch): Promise<Sample> {
  const ready = await startReady(launch);
  await getJson(ready.url, '/healthz');
  await sleep(IDLE_MS);
  const status = procStatus(ready.pid);
  const childrenKiB = childrenOf(ready.pid).reduce((sum, pid) => sum + (procStatus(pid).VmRSS ?? 0), 0);
  const phases: Record<string, number> = {};
  for (const msg of PHASE_MESSAGES) {
    const line = ready.logs.find((entry) => entry.msg === msg);
    if (line && typeof line.time === 'string') phases[msg] = Date.parse(line.time) - ready.spawnedAt;
  }
  await ready.stop();
  const mib = (kib: number | undefined) => (kib ?? NaN) / 1024;
  return {
    readyMs: ready.readyMs,
    rssMiB: mib(status.VmRSS),
    hwmMiB: mib(status.VmHWM),
    anonMiB: mib(status.RssAnon),
    fileMiB: mib(status.RssFile),
    threads: status.Threads ?? NaN,
    childrenMiB: childrenKiB / 1024,
    phases,
  };
}

async function measureFsevd(env?: Record<string, string>): Promise<Sample> {
  const state = await tempDir('fsevd-bench-state-');
  try {
    return await measure(fsevdLaunch(state.dir, env));
  } finally {
    await state.remove();
  }
}

interface Probe {
  times: Record<string, number>;
  totalMs: number;
  rssMiB: number;
}

/** Imports `specifiers` in a fresh process (through tsx or not) and returns what each cost. */
async function probe(viaTsx: boolean, specifiers: string[]): Promise<Probe> {
  const args = viaTsx ? [WITH_TSX, PROBE, ...specifiers] : [PROBE, ...specifiers];
  const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  return JSON.parse(stdout) as Probe;
}

/** Rows of the import breakdown: median ms per specifier group, plain vs through tsx. */
async function importBreakdown(): Promise<string> {
  const runs: Record<'plain' | 'tsx' | 'tsxOwn', Probe[]> = { plain: [], tsx: [], tsxOwn: [] };
  for (let i = 0; i < PROBE_ROUNDS; i++) {
    runs.plain.push(await probe(false, FSEVD_DEPS));
    runs.tsx.push(await probe(true, FSEVD_DEPS));
    runs.tsxOwn.push(await probe(true, [...FSEVD_DEPS, ...FSEVD_OWN]));
  }
  const cell = (list: Probe[], pick: (p: Probe) => number) => medianRange(summarize(list.map(pick)), 'ms', 0);
  const dep = (name: string) => (p: Probe) => p.times[name] ?? NaN;
  const own = (p: Probe) => FSEVD_OWN.reduce((sum, spec) => sum + (p.times[spec] ?? NaN), 0);
  const rows = FSEVD_DEPS.map((name) => [`\`${name}\``, cell(runs.plain, dep(name)), cell(runs.tsx, dep(name))]);
  rows.push(['all of the above', cell(runs.plain, (p) => p.totalMs), cell(runs.tsx, (p) => p.totalMs)]);
  rows.push(["fsevd's own modules after them (config/load, log, daemon)", 'n/a (TypeScript)', cell(runs.tsxOwn, own)]);
  rows.push(['RSS after the imports (MiB)', medianRange(summarize(runs.plain.map((p) => p.rssMiB)), 'MiB'), medianRange(summarize(runs.tsxOwn.map((p) => p.rssMiB)), 'MiB') + ' (with own modules)']);
  return table([`import, fresh process (${PROBE_ROUNDS} runs each), median [range]`, 'plain node', 'through tsx (as bin/fsevd.js)'], rows);
}

await main(async () => {
  const ctx = new RunContext();
  const variants = {
    fsevd: () => measureFsevd(),
    bareNode: () => measure(bareLaunch(false)),
    bareTsx: () => measure(bareLaunch(true)),
  };
  const samples: Record<keyof typeof variants, Sample[]> = { fsevd: [], bareNode: [], bareTsx: [] };
  note(`startup: warm-up round (discarded), then ${ROUNDS} rounds of fsevd / bare (node) / bare (tsx)`);
  for (const run of Object.values(variants)) await run();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of Object.entries(variants) as Array<[keyof typeof variants, () => Promise<Sample>]>) samples[name].push(await run());
    note(`startup: round ${round + 1}/${ROUNDS}: fsevd ${fmt(samples.fsevd.at(-1)!.readyMs)} ms, bare ${fmt(samples.bareNode.at(-1)!.readyMs)} ms, bare via tsx ${fmt(samples.bareTsx.at(-1)!.readyMs)} ms`);
  }
  const cold: Sample[] = [];
  for (let i = 0; i < COLD_RUNS; i++) cold.push(await measureFsevd({ TSX_DISABLE_CACHE: '1' }));
  note('startup: import breakdown (bench/baseline/import-probe.mjs)');
  const imports = await importBreakdown();

  const of = (list: Sample[], key: 'readyMs' | 'rssMiB' | 'hwmMiB' | 'anonMiB' | 'fileMiB' | 'threads' | 'childrenMiB') => summarize(list.map((s) => s[key]));
  const row = (label: string, list: Sample[]) => [
    label,
    String(list.length),
    medianRange(of(list, 'readyMs'), 'ms', 0),
    medianRange(of(list, 'rssMiB'), 'MiB'),
    fmt(of(list, 'hwmMiB').median),
    `${fmt(of(list, 'anonMiB').median)} / ${fmt(of(list, 'fileMiB').median)}`,
    fmt(of(list, 'threads').median, 0),
    fmt(of(list, 'childrenMiB').median),
  ];
  const f = { ready: of(samples.fsevd, 'readyMs').median, rss: of(samples.fsevd, 'rssMiB').median };
  const n = { ready: of(samples.bareNode, 'readyMs').median, rss: of(samples.bareNode, 'rssMiB').median };
  const t = { ready: of(samples.bareTsx, 'readyMs').median, rss: of(samples.bareTsx, 'rssMiB').median };
  const phase = (msg: string) => summarize(samples.fsevd.map((s) => s.phases[msg] ?? NaN).filter(Number.isFinite));
  const opened = phase('Journal opened');
  const sourceUp = phase('Source state changed');
  const readyLog = phase('fsevd ready');

  const body = [
    ctx.preamble('Start-up: start-to-ready and idle RSS', 'bench/startup.ts'),
    `- Method: ${ROUNDS} alternating rounds (fsevd, bare, bare via tsx) after one discarded warm-up round; ready = the JSON ready line on stderr reaching the parent (fsevd at \`--log-level info\`, the level that prints "fsevd ready"), confirmed by one GET /healthz; RSS = VmRSS ${IDLE_MS / 1000} s after ready. fsevd: \`node bin/fsevd.js run --listen 127.0.0.1:0 --state-dir <fresh temp dir> --log-level info\`; bare: \`node bench/baseline/bare-server.mjs\`; bare via tsx: \`node bench/baseline/with-tsx.mjs bench/baseline/bare-server.mjs\` (register() + import, as bin/fsevd.js does). tsx's transform cache is warm except in the last row (TSX_DISABLE_CACHE=1: what the first start after install or an upgrade costs).`,
    '',
    table(
      ['process', 'runs', 'start → ready, median [range]', 'VmRSS after 2 s idle, median [range]', 'VmHWM (MiB)', 'RssAnon / RssFile (MiB)', 'threads', 'child RSS (MiB)'],
      [row('**fsevd**', samples.fsevd), row('bare (node)', samples.bareNode), row('bare (tsx loader)', samples.bareTsx), row('fsevd, cold tsx cache', cold)],
    ),
    '',
    table(
      ['ratio (medians)', 'start → ready', 'idle RSS'],
      [
        ['**fsevd ÷ bare (node)**', ratioVerdict(f.ready / n.ready, TARGET), ratioVerdict(f.rss / n.rss, TARGET)],
        ['fsevd ÷ bare (tsx loader)', ratioVerdict(f.ready / t.ready, TARGET), ratioVerdict(f.rss / t.rss, TARGET)],
        ['bare (tsx) ÷ bare (node): the loader alone', `${fmt(t.ready / n.ready, 2)}× (+${fmt(t.ready - n.ready, 0)} ms)`, `${fmt(t.rss / n.rss, 2)}× (+${fmt(t.rss - n.rss)} MiB)`],
      ],
    ),
    '',
    `fsevd's start-up phases (median ms from spawn, from the \`time\` of its own log lines, ms resolution): imports + config + journal open → "Journal opened" at ${fmt(opened.median, 0)} ms [${fmt(opened.min, 0)}–${fmt(opened.max, 0)}]; mountinfo source up at ${fmt(sourceUp.median, 0)} ms (+${fmt(sourceUp.median - opened.median, 0)}); API built and listening → "fsevd ready" at ${fmt(readyLog.median, 0)} ms (+${fmt(readyLog.median - sourceUp.median, 0)}); the line reaches the parent at ${fmt(f.ready, 0)} ms. Of fsevd's ${fmt(f.ready, 0)} ms, the bare skeleton accounts for ${fmt(n.ready, 0)} ms. bin/fsevd.js starts the compiled dist/ when it is at least as new as src/ (as after npm install), otherwise the sources through tsx, which costs about ${fmt(t.ready - n.ready, 0)} ms more.`,
    '',
    `Where the import time goes (bench/baseline/import-probe.mjs: fsevd's runtime dependencies imported one after the other in a fresh process, then fsevd's own modules; the bare baseline imports fastify, ws and prom-client instead — fsevd uses them too, from its API):`,
    '',
    imports,
  ].join('\n');
  writeSection('startup', body);
});
