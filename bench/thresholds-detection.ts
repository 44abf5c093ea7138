/**
 * Threshold detection delay while a filesystem fills at full speed (needs root): a 1 GiB loop ext4
 * with levels `T 50% 25%` is filled by this process with 4 MiB buffered writes as fast as it can
 * (ext4's statfs counts delayed allocations at once). After each write the benchmark itself calls
 * statfs: the first write after which available space is at or below a level is "the crossing
 * write", its return time the crossing time. The delay is the time of fsevd's THR_LRBELOW /
 * THR_URBELOW event (when the sample that saw it was taken) minus the crossing time. Baseline, in
 * the same runs: a fixed-period poller in this process calling statfsSync every 25 ms (fsevd's
 * shortest interval for local filesystems). Target: the event within 100 ms of the crossing write.
 *
 * Run: node --import tsx bench/thresholds-detection.ts     (FSEVD_BENCH_QUICK=1: 2 fills)
 * Writes the `thresholds-detection` section of BENCHMARKS.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, statfsSync, writeFileSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inPrivateMountNamespace, isRoot, mountDir, namespaceNote } from './lib/mounts.ts';
import { FSEVD_BIN, fetchEvents, getJson, main, sleep, startReady } from './lib/proc.ts';
import { fmt, note, RunContext, summarize, table, writeSection } from './lib/report.ts';

const QUICK = Boolean(process.env.FSEVD_BENCH_QUICK);
const FILLS = QUICK ? 2 : 6;
const CHUNK = 4 * 2 ** 20;
const POLL_MS = 25;
const TARGET_MS = 100;
const SCRIPT = 'bench/thresholds-detection.ts';

await inPrivateMountNamespace(fileURLToPath(import.meta.url));
await main(async () => {
  if (!isRoot) throw new Error('needs root (loop-mounts an ext4 image)');
  const run = new RunContext();
  const { dir } = await mountDir('fsevd-bench-detect-');
  const image = join(dir, 'fs.img');
  const mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  execFileSync('truncate', ['-s', '1G', image]);
  execFileSync('mkfs.ext4', ['-q', '-F', image]);
  execFileSync('mount', ['-o', 'loop', image, mnt]);
  const config = join(dir, 'fsevd.json');
  writeFileSync(config, JSON.stringify({ logEvents: false, thresholds: { defaults: '', lines: [`${mnt} T 50% 25%`] } }));
  mkdirSync(join(dir, 'state'));
  const daemon = await startReady({ label: 'fsevd', args: [FSEVD_BIN, 'run', '--listen', '127.0.0.1:0', '--state-dir', join(dir, 'state'), '--log-level', 'info', '--config', config] });
  const stat = () => statfsSync(mnt);
  const unit = stat().bsize;
  const size = stat().blocks * unit;
  const levels = { THR_LRBELOW: 0.5 * size, THR_URBELOW: 0.25 * size };
  for (let tries = 0; ; tries++) {
    const { mounts } = await getJson<{ mounts: Array<{ mountpoint: string; thresholds?: unknown }> }>(daemon.url, '/api/v1/mounts');
    if (mounts.some((m) => m.mountpoint === mnt && m.thresholds)) break;
    if (tries > 200) throw new Error('fsevd did not pick up the mount');
    await sleep(100);
  }
  const delays: Record<string, number[]> = { THR_LRBELOW: [], THR_URBELOW: [], baseline: [] };
  const rates: number[] = [];
  for (let fill = 0; fill < FILLS; fill++) {
    const since = (await getJson<{ lastSeq: number }>(daemon.url, '/healthz')).lastSeq;
    const crossed: Record<string, number> = {};
    let polled: number | undefined;
    const poller = setInterval(() => {
      if (polled === undefined && stat().bavail * unit <= levels.THR_LRBELOW) polled = Date.now();
    }, POLL_MS);
    const file = await open(join(mnt, 'fill'), 'w');
    const chunk = Buffer.alloc(CHUNK, 1);
    const t0 = performance.now();
    let written = 0;
    while (stat().bavail * unit > levels.THR_URBELOW * 0.8) {
      await file.write(chunk);
      written += CHUNK;
      const avail = stat().bavail * unit;
      for (const [type, level] of Object.entries(levels)) if (crossed[type] === undefined && avail <= level) crossed[type] = Date.now();
    }
    rates.push(written / ((performance.now() - t0) / 1000));
    await file.close();
    clearInterval(poller);
    await sleep(500);
    const events = (await fetchEvents(daemon.url, since)).filter((e) => e.mountpoint === mnt);
    for (const type of ['THR_LRBELOW', 'THR_URBELOW']) {
      const event = events.find((e) => e.type === type);
      if (event && crossed[type] !== undefined) delays[type]!.push(Date.parse(String(event.time)) - crossed[type]!);
      else note(`fill ${fill}: no ${type} event`);
    }
    if (polled !== undefined) delays.baseline!.push(polled - crossed.THR_LRBELOW!);
    note(`fill ${fill}: ${fmt(rates.at(-1)! / 2 ** 20, 0)} MiB/s, LRBELOW after ${delays.THR_LRBELOW!.at(-1)} ms, URBELOW after ${delays.THR_URBELOW!.at(-1)} ms, 25 ms poller ${delays.baseline!.at(-1)} ms`);
    await rm(join(mnt, 'fill'));
    for (let tries = 0; ; tries++) {
      const back = (await fetchEvents(daemon.url, since)).some((e) => e.mountpoint === mnt && e.type === 'THR_LRABOVE');
      if (back) break;
      if (tries > 100) throw new Error('no THR_LRABOVE after emptying');
      await sleep(100);
    }
  }
  await daemon.stop();
  const row = (label: string, values: number[]) => {
    const s = summarize(values);
    return [label, String(s.n), `${fmt(s.median, 0)} ms [${fmt(s.min, 0)}–${fmt(s.max, 0)}]`, `${fmt(s.p99, 0)} ms`, `${fmt(s.median / TARGET_MS, 2)}× of ${TARGET_MS} ms: ${s.max <= TARGET_MS ? '**met**' : '**not met**'} (max)`];
  };
  writeSection('thresholds-detection', [
    run.preamble('Threshold detection delay while filling at full speed', SCRIPT),
    `- Setup: 1 GiB loop ext4, \`T 50% 25%\`, filled by 4 MiB buffered writes at ${fmt(summarize(rates).median / 2 ** 20, 0)} MiB/s (median over ${FILLS} fills; emptied between fills, each time after THR_LRABOVE); delay = event time (when fsevd's sample saw it) − return of the crossing write; ${namespaceNote()}`,
    '',
    table(['what', 'fills', 'delay median [range]', 'p99', 'vs target'], [row('fsevd THR_LRBELOW', delays.THR_LRBELOW!), row('fsevd THR_URBELOW', delays.THR_URBELOW!), row(`baseline: fixed ${POLL_MS} ms statfs poller (L1)`, delays.baseline!)]),
    '',
    'A negative delay means fsevd sampled after the write had taken the space but before the write call returned to the writer. The baseline poller shares the writer\'s event loop, so it runs between writes and looks better than an independent 25 ms poller would; fsevd runs in its own process.',
  ].join('\n'));
});
