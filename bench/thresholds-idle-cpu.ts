/**
 * Idle CPU of free-space sampling (needs root): fsevd with the statfs source on, next to the same
 * fsevd with `sources.statfs.enabled: false` (the baseline) running over the very same windows,
 * with 100 and then 1,000 extra filesystems — each its own 64 MiB tmpfs, so each is a superblock
 * that is sampled (bind mounts would share one). CPU is utime+stime of all the process's threads
 * (/proc/PID/stat) over the window, in % of one core. The difference is what sampling costs.
 * Target: ≤ 0.5 % of a core at 1,000 filesystems (the whole daemon, statfs on).
 * Runs in a private mount namespace; every tmpfs is unmounted at the end, even on failure.
 *
 * Run: node --import tsx bench/thresholds-idle-cpu.ts     (FSEVD_BENCH_QUICK=1: 10 s windows)
 * Writes the `thresholds-idle-cpu` section of BENCHMARKS.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inPrivateMountNamespace, isRoot, mountDir, namespaceNote } from './lib/mounts.ts';
import { cpuSeconds, FSEVD_BIN, getJson, main, sleep, startReady, type Launch } from './lib/proc.ts';
import { fmt, note, RunContext, table, writeSection } from './lib/report.ts';

const QUICK = Boolean(process.env.FSEVD_BENCH_QUICK);
const WINDOW_MS = QUICK ? 10_000 : 30_000;
/** Long enough for the first sample of every filesystem (1,000 under the default budget of 50/s: 20 s). */
const SETTLE_MS = QUICK ? 22_000 : 25_000;
const COUNTS = [100, 1000];
const TARGET_PERCENT = 0.5;
const SCRIPT = 'bench/thresholds-idle-cpu.ts';

function launch(label: string, dir: string, statfs: boolean): Launch {
  const config = join(dir, `${label}.json`);
  writeFileSync(config, JSON.stringify({ logEvents: false, sources: { statfs: { enabled: statfs } } }));
  mkdirSync(join(dir, label), { recursive: true });
  return { label, args: [FSEVD_BIN, 'run', '--listen', '127.0.0.1:0', '--state-dir', join(dir, label), '--log-level', 'info', '--config', config] };
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
    const before = [cpuSeconds(on.pid), cpuSeconds(off.pid)];
    const t0 = performance.now();
    await sleep(WINDOW_MS);
    const wall = (performance.now() - t0) / 1000;
    const [cpuOn, cpuOff] = [on.pid, off.pid].map((pid, i) => (100 * (cpuSeconds(pid) - before[i]!)) / wall) as [number, number];
    note(`${count} filesystems: statfs on ${fmt(cpuOn, 2)} %, off ${fmt(cpuOff, 2)} %`);
    rows.push([String(count), String(sampled), `${fmt(cpuOn, 2)} %`, `${fmt(cpuOff, 2)} %`, `${fmt(cpuOn - cpuOff, 2)} %`, count === 1000 ? `${fmt(cpuOn / TARGET_PERCENT, 2)}× of the ${TARGET_PERCENT} % target: ${cpuOn <= TARGET_PERCENT ? '**met**' : '**not met**'}` : '–']);
    await on.stop();
    await off.stop();
    await teardown();
  }
  writeSection('thresholds-idle-cpu', [
    run.preamble('Idle CPU of free-space sampling (100 and 1,000 filesystems)', SCRIPT),
    `- Setup: N extra 64 MiB tmpfs filesystems (one superblock each) on top of the machine's own mounts; fsevd with default settings (thresholds.defaults \`T 10% 5%\`, sampling budget 50 statfs/s) next to the same daemon with \`sources.statfs.enabled: false\` (baseline), both idle over the same ${WINDOW_MS / 1000} s window after ${SETTLE_MS / 1000} s of settling; ${namespaceNote()}`,
    '',
    table(['extra filesystems', 'sampled by fsevd', 'fsevd, statfs on', 'baseline (statfs off)', 'cost of sampling', 'vs target'], rows),
    '',
    'Small filesystems are always "close" to their levels under the assumed worst-case fill of 2 GiB/s, so without the sampling budget each 64 MiB tmpfs would be sampled every ~30 ms; the budget makes idle ones share 50 statfs/s while any filesystem whose space is changing keeps its own pace.',
  ].join('\n'));
});
