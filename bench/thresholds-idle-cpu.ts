/**
 * Idle CPU of free-space sampling (needs root): fsevd with the statfs source on, next to the same
 * fsevd with `sources.statfs.enabled: false` (the baseline) running over the very same windows,
 * with 100 and then 1,000 extra filesystems — each its own 64 MiB tmpfs, so each is a superblock
 * that is sampled (bind mounts would share one). CPU is utime+stime of all the process's threads
 * (/proc/PID/stat) over the window, in % of one core. The difference is what sampling costs.
 * Garbage collections and other people's kernel events (kmsg, filesystem errors reach every
 * daemon on the machine) come in spikes, so the median of per-second CPU (schedstat) is shown too:
 * the steady cost without them.
 * Beside it, how often fsevd samples each idle filesystem (its probe interval under the sampling
 * budget) and how many of them it sampled during the window, read from /api/v1/mounts.
 * Target: ≤ 0.5 % of a core at 1,000 filesystems (the whole daemon, statfs on).
 * Runs in a private mount namespace; every tmpfs is unmounted at the end, even on failure.
 *
 * Run: node --import tsx bench/thresholds-idle-cpu.ts     (FSEVD_BENCH_QUICK=1: 10 s windows)
 * Writes the `thresholds-idle-cpu` section of BENCHMARKS.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configSchema } from '../src/collector/sources/statfs/schema.ts';
import { inPrivateMountNamespace, isRoot, mountDir, namespaceNote } from './lib/mounts.ts';
import { cpuSeconds, FSEVD_BIN, getJson, main, sleep, startReady, type Launch } from './lib/proc.ts';
import { fmt, note, RunContext, table, writeSection } from './lib/report.ts';

const QUICK = Boolean(process.env.FSEVD_BENCH_QUICK);
const WINDOW_MS = QUICK ? 20_000 : 60_000;
/** The default sampling budget, statfs calls per second. */
const BUDGET = configSchema.properties.maxSamplesPerSecond.default;
/**
 * Every filesystem is sampled once at start-up; idle ones are sampled again one budget floor
 * later (1,000 at 20/s: 50 s), and only from then on at the pace they keep: the window starts there.
 */
const SETTLE_MS = QUICK ? 55_000 : 60_000;
const COUNTS = [100, 1000];
const TARGET_PERCENT = 0.5;
const SCRIPT = 'bench/thresholds-idle-cpu.ts';

function launch(label: string, dir: string, statfs: boolean): Launch {
  const config = join(dir, `${label}.json`);
  writeFileSync(config, JSON.stringify({ logEvents: false, sources: { statfs: { enabled: statfs } } }));
  mkdirSync(join(dir, label), { recursive: true });
  return { label, args: [FSEVD_BIN, 'run', '--listen', '127.0.0.1:0', '--state-dir', join(dir, label), '--log-level', 'info', '--config', config] };
}

/** CPU time of all of `pid`'s threads, ns (schedstat: finer than the clock ticks of /proc/PID/stat). */
function cpuNs(pid: number): number {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return total;
}

/** CPU ms of each process in every second until `until` (performance.now() time). */
async function perSecondCpu(pids: number[], until: number): Promise<number[][]> {
  const seconds = pids.map(() => [] as number[]);
  let last = pids.map(cpuNs);
  while (performance.now() < until - 500) {
    await sleep(1000);
    const now = pids.map(cpuNs);
    now.forEach((ns, i) => seconds[i]!.push((ns - last[i]!) / 1e6));
    last = now;
  }
  await sleep(Math.max(0, until - performance.now()));
  return seconds;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Probe interval and last answer of every sampled filesystem under `dir`, by mount point. */
async function probes(url: string, dir: string): Promise<Map<string, { intervalMs: number; lastAnswer?: string }>> {
  const { mounts } = await getJson<{ mounts: Array<{ mountpoint: string; probe?: { intervalMs: number; lastAnswer?: string } }> }>(url, '/api/v1/mounts');
  return new Map(mounts.filter((m) => m.mountpoint.startsWith(`${dir}/`) && m.probe).map((m) => [m.mountpoint, m.probe!]));
}

await inPrivateMountNamespace(fileURLToPath(import.meta.url));
await main(async () => {
  if (!isRoot) throw new Error('needs root (mounts tmpfs filesystems)');
  const run = new RunContext();
  const rows: string[][] = [];
  for (const count of COUNTS) {
    const { dir, teardown } = await mountDir('fsevd-bench-thr-');
    note(`mounting ${count} tmpfs filesystems`);
    execFileSync('sh', ['-c', `i=0; while [ $i -lt ${count} ]; do mkdir -p "$1/fs/$i" && mount -t tmpfs -o size=64m "thr$i" "$1/fs/$i" || exit 1; i=$((i+1)); done`, 'sh', dir]);
    const states = join(dir, 'state');
    mkdirSync(states);
    const on = await startReady(launch('statfs-on', states, true));
    const off = await startReady(launch('statfs-off', states, false));
    await sleep(SETTLE_MS);
    const sources = await getJson<{ sources: Array<{ name: string; detail?: Record<string, number> }> }>(on.url, '/api/v1/sources');
    const sampled = sources.sources.find((s) => s.name === 'statfs')?.detail?.filesystems ?? 0;
    const probesBefore = await probes(on.url, dir);
    const before = [cpuSeconds(on.pid), cpuSeconds(off.pid)];
    const t0 = performance.now();
    const seconds = await perSecondCpu([on.pid, off.pid], t0 + WINDOW_MS);
    const wall = (performance.now() - t0) / 1000;
    const [steadyOn, steadyOff] = seconds.map((ms) => median(ms) / 10) as [number, number];
    const probesAfter = await probes(on.url, dir);
    const resampled = [...probesAfter].filter(([mountpoint, probe]) => probe.lastAnswer !== probesBefore.get(mountpoint)?.lastAnswer).length;
    const intervals = [...probesAfter.values()].map((p) => p.intervalMs).sort((a, b) => a - b);
    const interval = intervals[Math.floor(intervals.length / 2)] ?? 0;
    const [cpuOn, cpuOff] = [on.pid, off.pid].map((pid, i) => (100 * (cpuSeconds(pid) - before[i]!)) / wall) as [number, number];
    note(`${count} filesystems: statfs on ${fmt(cpuOn, 2)} %, off ${fmt(cpuOff, 2)} % (per-second medians ${fmt(steadyOn, 3)} / ${fmt(steadyOff, 3)} %)`);
    const rate = interval > 0 ? count / (interval / 1000) : 0;
    rows.push([String(count), String(sampled), `${fmt(interval / 1000, 1)} s (≈ ${fmt(rate, 0)} statfs/s)`, `${resampled} of ${count}`, `${fmt(cpuOn, 2)} %`, `${fmt(cpuOff, 2)} %`, `${fmt(cpuOn - cpuOff, 2)} %`, `${fmt(steadyOn, 3)} % / ${fmt(steadyOff, 3)} %`, count === 1000 ? `${fmt(cpuOn / TARGET_PERCENT, 2)}× of the ${TARGET_PERCENT} % target: ${cpuOn <= TARGET_PERCENT ? '**met**' : '**not met**'}` : '–']);
    await on.stop();
    await off.stop();
    await teardown();
  }
  writeSection('thresholds-idle-cpu', [
    run.preamble('Idle CPU of free-space sampling (100 and 1,000 filesystems)', SCRIPT),
    `- Setup: N extra 64 MiB tmpfs filesystems (one superblock each) on top of the machine's own mounts; fsevd with default settings (thresholds.defaults \`T 10% 5%\`, sampling budget \`maxSamplesPerSecond\` ${BUDGET} statfs/s) next to the same daemon with \`sources.statfs.enabled: false\` (baseline), both idle over the same ${WINDOW_MS / 1000} s window after ${SETTLE_MS / 1000} s of settling; ${namespaceNote()}`,
    '',
    table(['extra filesystems', 'sampled by fsevd', 'idle interval (median)', 'extra filesystems sampled again in the window', 'fsevd, statfs on', 'baseline (statfs off)', 'cost of sampling', 'per-second median, on / off', 'vs target (statfs on)'], rows),
    '',
    `Small filesystems are always "close" to their levels under the assumed worst-case fill of 2 GiB/s, so without the sampling budget each 64 MiB tmpfs would be sampled every ~30 ms; the budget makes idle ones share ${BUDGET} statfs/s (admitted in batches, one per grid step of a tenth of the idle interval, 1–5 s) while any filesystem whose space is changing keeps its own pace. The window means include garbage collections and whatever other people's kernel events cost (spikes of 20–100 ms in both daemons); the per-second medians leave those out.`,
  ].join('\n'));
});
