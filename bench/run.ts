/**
 * Runs the benchmarks listed in BENCHMARKS below (all, or those named), one after the other, each
 * in its own process (so each cleans up after itself even if another fails). Each writes its own
 * section of BENCHMARKS.md. Benchmarks that need root are skipped, with a note, when not root.
 * Exit status 1 if any benchmark failed.
 *
 * Run: node --import tsx bench/run.ts [name …]     (npm run bench)
 *      FSEVD_BENCH_QUICK=1 node --import tsx bench/run.ts     (short runs, to check the scripts)
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { ROOT, note } from './lib/report.ts';

const BENCHMARKS = [
  { name: 'startup', root: false },
  { name: 'idle-cpu', root: true },
  { name: 'mount-latency', root: true },
  { name: 'thresholds-idle-cpu', root: true },
  { name: 'thresholds-hung-api', root: true },
  { name: 'thresholds-detection', root: true },
  { name: 'metrics-scrape', root: true },
  { name: 'fanotify-latency', root: true },
  { name: 'ws-fanout', root: false },
  { name: 'kmsg-parse', root: false },
  { name: 'kmsg-flood', root: true },
  { name: 'kmsg-latency', root: true },
  { name: 'cluster-follow', root: false },
  { name: 'netlink-decode', root: false },
  { name: 'netlink-flood', root: true },
  { name: 'web-page', root: true },
  { name: 'rules-hook-latency', root: false },
  { name: 'rules-throughput', root: false },
  { name: 'rules-storm', root: false },
];

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !BENCHMARKS.some((b) => b.name === name));
if (unknown.length > 0) {
  note(`unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`);
  process.exit(2);
}
const isRoot = process.getuid?.() === 0;
const failed: string[] = [];
const runner = `node --import tsx bench/run.ts${wanted.length ? ` ${wanted.join(' ')}` : ''}`;
// Ctrl-C reaches the running benchmark too (same process group): let it clean up, then stop.
let interrupted = false;
process.on('SIGINT', () => {
  interrupted = true;
});

for (const bench of BENCHMARKS) {
  if (wanted.length > 0 && !wanted.includes(bench.name)) continue;
  if (bench.root && !isRoot) {
    note(`skipping ${bench.name}: needs root`);
    continue;
  }
  const started = performance.now();
  note(`running bench/${bench.name}.ts`);
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', `${bench.name}.ts`)], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, FSEVD_BENCH_RUNNER: runner },
  });
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  note(`bench/${bench.name}.ts: ${code === 0 ? 'done' : `FAILED (${code ?? signal})`} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  if (code !== 0) failed.push(bench.name);
  if (interrupted) break;
}
if (failed.length > 0) {
  note(`failed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
