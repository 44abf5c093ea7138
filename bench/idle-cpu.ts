/**
 * Idle CPU benchmark (needs root): CPU used by a running, idle fsevd — utime+stime of all its
 * threads from /proc/PID/stat, delta over a window divided by the window's wall time, in % of one
 * core — next to the bare baseline (bench/baseline/bare-server.mjs) running over the very same
 * windows. Scenarios: (A) the machine's own mounts; (B) 1,000 extra bind mounts that exist before
 * fsevd starts (a big initial table); (C) fsevd already running while the 1,000 binds appear (one
 * `sh -c` loop of `mount --bind`): the CPU during that churn and until fsevd is quiet again is
 * reported separately, then idle windows after it, then the same churn for the unmounts.
 * Each window is as long as the mountinfo safety re-read interval (30 s), so each holds one.
 * The binds: a 1 MiB tmpfs on a temp dir, bound subdir by subdir into another dir under it; all
 * unmounted at the end, even on failure, and checked gone in /proc/self/mountinfo.
 * Target: fsevd idle ≤ 0.5 % of one core.
 *
 * Run: node --import tsx bench/idle-cpu.ts        (FSEVD_BENCH_QUICK=1: 1 window of 5 s)
 * Writes the `idle-cpu` section of BENCHMARKS.md.
 */
import { fileURLToPath } from 'node:url';
import { BindFarm, inPrivateMountNamespace, isRoot, mountsUnder, namespaceNote } from './lib/mounts.ts';
import { bareLaunch, CLK_TCK, cpuSeconds, fetchEvents, fsevdLaunch, getJson, main, sleep, startReady, tempDir, wallNow, type Ready } from './lib/proc.ts';
import { fmt, medianRange, note, RunContext, summarize, table, writeSection } from './lib/report.ts';

const QUICK = Boolean(process.env.FSEVD_BENCH_QUICK);
const WINDOW_MS = QUICK ? 5_000 : 30_000;
const WINDOWS = QUICK ? 1 : 3;
const SETTLE_MS = 3_000;
const CHURN_TAIL_MS = 5_000;
const BINDS = 1000;
const TARGET_PERCENT = 0.5;

/** CPU of each process over `ms` of wall time, in % of one core, plus how busy the machine was. */
async function cpuWindow(pids: number[], ms: number): Promise<number[]> {
  const before = pids.map(cpuSeconds);
  const t0 = performance.now();
  await sleep(ms);
  const wall = (performance.now() - t0) / 1000;
  return pids.map((pid, i) => (100 * (cpuSeconds(pid) - before[i]!)) / wall);
}

interface IdleResult {
  label: string;
  mounts: number;
  fsevd: number[];
  bare: number[];
  /** Events fsevd journaled during each window (mount changes made by anyone on the machine). */
  events: number[];
  /** fsevd's sources and their state, e.g. "mountinfo up". */
  sources: string;
}

const lastSeq = async (fsevd: Ready) => (await getJson<{ lastSeq: number }>(fsevd.url, '/healthz')).lastSeq;

/** Idle windows of fsevd and the bare process, side by side. */
async function idle(label: string, fsevd: Ready, bare: Ready): Promise<IdleResult> {
  const result: IdleResult = { label, mounts: 0, fsevd: [], bare: [], events: [], sources: '' };
  for (let i = 0; i < WINDOWS; i++) {
    const seq = await lastSeq(fsevd);
    const [f, b] = await cpuWindow([fsevd.pid, bare.pid], WINDOW_MS);
    result.events.push((await lastSeq(fsevd)) - seq);
    result.fsevd.push(f!);
    result.bare.push(b!);
    note(`idle-cpu: ${label}: window ${i + 1}/${WINDOWS}: fsevd ${fmt(f!, 3)} %, bare ${fmt(b!, 3)} %, ${result.events.at(-1)} events`);
  }
  const sources = await getJson<{ sources: Array<{ name: string; state?: string; detail?: { mounts?: number } }> }>(fsevd.url, '/api/v1/sources');
  result.mounts = sources.sources.find((s) => s.name === 'mountinfo')?.detail?.mounts ?? NaN;
  result.sources = sources.sources.map((s) => `${s.name} ${s.state ?? '?'}`).join(', ');
  return result;
}

interface ChurnResult {
  label: string;
  shMs: number;
  spanMs: number;
  fsevdCpuS: number;
  bareCpuS: number;
  events: number;
  lagMs: number;
}

/** Runs `change` (a synchronous mount loop) and measures fsevd from its start until CHURN_TAIL_MS after it. */
async function churn(label: string, type: string, prefix: string, fsevd: Ready, bare: Ready, change: () => number): Promise<ChurnResult> {
  const since = await lastSeq(fsevd);
  const [f0, b0] = [cpuSeconds(fsevd.pid), cpuSeconds(bare.pid)];
  const t0 = performance.now();
  const shMs = change();
  const shExit = wallNow();
  await sleep(CHURN_TAIL_MS);
  const [f1, b1] = [cpuSeconds(fsevd.pid), cpuSeconds(bare.pid)];
  const spanMs = performance.now() - t0;
  const events = (await fetchEvents(fsevd.url, since)).filter((e) => e.type === type && String(e.mountpoint ?? '').startsWith(`${prefix}/`));
  const lastTime = Math.max(...events.map((e) => Date.parse(String(e.time))));
  const result = { label, shMs, spanMs, fsevdCpuS: f1 - f0, bareCpuS: b1 - b0, events: events.length, lagMs: lastTime - shExit };
  note(`idle-cpu: ${label}: sh ${fmt(shMs, 0)} ms, fsevd used ${fmt(result.fsevdCpuS, 2)} s CPU in ${fmt(spanMs, 0)} ms, ${events.length} ${type} events`);
  return result;
}

async function startFsevd(): Promise<Ready> {
  const state = await tempDir('fsevd-bench-state-');
  const ready = await startReady(fsevdLaunch(state.dir));
  await sleep(SETTLE_MS);
  return ready;
}

await inPrivateMountNamespace(fileURLToPath(import.meta.url));

await main(async () => {
  if (!isRoot) throw new Error('idle-cpu needs root (it creates 1,000 bind mounts)');
  const ctx = new RunContext();
  const bare = await startReady(bareLaunch(false));
  const idles: IdleResult[] = [];
  const churns: ChurnResult[] = [];

  note('idle-cpu: (A) machine mounts');
  let fsevd = await startFsevd();
  idles.push(await idle("machine's mounts", fsevd, bare));
  await fsevd.stop();

  note(`idle-cpu: (B) ${BINDS} binds before start`);
  const farm = await BindFarm.create(BINDS);
  const bindMs = farm.bindAll();
  note(`idle-cpu: ${farm.present()} binds in ${fmt(bindMs, 0)} ms under ${farm.dir}`);
  fsevd = await startFsevd();
  idles.push(await idle(`+${BINDS} binds, present before start`, fsevd, bare));
  await fsevd.stop();
  farm.unbindAll();

  note(`idle-cpu: (C) ${BINDS} binds appear while fsevd runs`);
  fsevd = await startFsevd();
  churns.push(await churn(`${BINDS} \`mount --bind\` while running`, 'MOUNT', farm.bindsDir, fsevd, bare, () => farm.bindAll()));
  idles.push(await idle(`+${BINDS} binds, appeared while running`, fsevd, bare));
  churns.push(await churn(`${BINDS} \`umount\` while running`, 'UMOUNT', farm.bindsDir, fsevd, bare, () => farm.unbindAll()));
  await fsevd.stop();
  await bare.stop();
  await farm.teardown();
  const left = mountsUnder(farm.dir).length;

  const idleRows = idles.map((r) => {
    const f = summarize(r.fsevd);
    const b = summarize(r.bare);
    return [
      r.label,
      fmt(r.mounts, 0),
      r.events.join(', '),
      medianRange(f, '%', 3),
      medianRange(b, '%', 3),
      `${fmt(f.median / b.median, 2)}× (${f.median >= b.median ? '+' : ''}${fmt(f.median - b.median, 3)} points)`,
      f.median <= TARGET_PERCENT ? '**met**' : '**not met**',
    ];
  });
  // Idle rate of the process the churn ran in (scenario C), to separate the churn's own cost.
  const idleRate = summarize(idles[2]?.fsevd ?? []).median / 100;
  const churnRows = churns.map((c) => {
    const excess = c.fsevdCpuS - (idleRate * c.spanMs) / 1000;
    return [
      c.label,
      `${fmt(c.shMs, 0)} ms`,
      `${fmt(c.fsevdCpuS, 2)} s in ${fmt(c.spanMs / 1000)} s (${fmt((100 * c.fsevdCpuS * 1000) / c.spanMs, 0)} % of a core)`,
      `${fmt((excess * 1e6) / BINDS, 0)} µs`,
      `${fmt(c.bareCpuS, 2)} s`,
      `${c.events} / ${BINDS}`,
      `${fmt(c.lagMs, 0)} ms`,
    ];
  });
  const body = [
    ctx.preamble('Idle CPU', 'bench/idle-cpu.ts'),
    `- Method: CPU = Δ(utime+stime) of all threads (/proc/PID/stat, ${1000 / CLK_TCK} ms ticks) ÷ wall time, in % of one core, over ${WINDOWS} consecutive ${WINDOW_MS / 1000}-s windows per scenario${WINDOW_MS >= 30_000 ? ' (so each window spans one 30-s mountinfo safety re-read)' : ''}, starting ${SETTLE_MS / 1000} s after fsevd's ready line. Baseline: \`node bench/baseline/bare-server.mjs\` (fastify + ws + prom-client with default metrics), one process running through every window, measured over the same windows. fsevd: \`node bin/fsevd.js run --listen 127.0.0.1:0 --state-dir <fresh temp dir> --log-level info\` (default config, so one info log line per event), a new process per scenario. Binds: ${BINDS} \`mount --bind\` of subdirs of a 1 MiB tmpfs, made in ${fmt(bindMs, 0)} ms by one \`sh -c\` loop; fsevd's own table size is from GET /api/v1/sources.`,
    `- Mount namespace: ${namespaceNote()}`,
    '',
    table(['scenario', 'mounts in fsevd\'s table', 'events per window (others\' mount changes)', 'fsevd idle CPU, median [range]', 'bare idle CPU, same windows', 'fsevd vs bare', `target ≤ ${TARGET_PERCENT} % of a core`], idleRows),
    '',
    `fsevd's sources during the windows (GET /api/v1/sources): ${[...new Set(idles.map((r) => r.sources))].join(' / ')}. "events per window" counts what fsevd journaled during each window (anything it heard: mounts, kernel errors); non-zero means the window was not purely idle.`,
    '',
    `Mount churn while fsevd runs (not idle: CPU from the start of the \`sh -c\` loop until ${CHURN_TAIL_MS / 1000} s after it exited; "per mount" is what is left after subtracting the idle rate this fsevd process showed in scenario C, divided by ${BINDS}):`,
    '',
    table(['churn', 'sh loop wall time', 'fsevd CPU over the span', 'fsevd CPU per mount, above idle', 'bare CPU, same span', 'events seen', 'last event `time` − loop exit'], churnRows),
    '',
    `Teardown: all ${BINDS} binds and the tmpfs unmounted; /proc/self/mountinfo shows ${left} mounts left under ${farm.dir}${left === 0 ? ' (verified)' : ' — **NOT CLEAN**'}.`,
  ].join('\n');
  writeSection('idle-cpu', body);
});
