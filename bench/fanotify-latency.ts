/**
 * ext4 error → subscriber latency through fanotify (needs root). One loop-mounted ext4
 * (errors=continue); an error is raised with a write to /sys/fs/ext4/<loop>/trigger_fs_error on an
 * open fd, timed with process.hrtime (CLOCK_MONOTONIC) just before the write, and each reader
 * prints the same clock when the event reaches it. Four readers, one at a time, in interleaved
 * blocks of the same run, so that none competes with another for the CPUs:
 *   - C floor: bench/baseline/fanotify-reader.c, a blocking read() (built here with cc);
 *   - bare Node: bench/baseline/fanotify-node-reader.ts, fsevd's native group (reader thread +
 *     threadsafe function), timed first thing in the raw callback, nothing else;
 *   - journaling floor: bench/baseline/fanotify-journal-reader.ts, the bare reader plus the least
 *     a reader that journals before publishing must do (decode, build, serialize, write), timed
 *     once the record is written: how close to the bare reader any such daemon can come;
 *   - fanotify source: bench/lib/fanotify-subscriber.ts `source`, fsevd's fanotify source alone
 *     (RunningSource wrapper), timed when it delivers the FS_ERROR observation;
 *   - fsevd: bench/lib/fanotify-subscriber.ts `daemon`, the whole daemon in a child process, timed
 *     first thing in an in-process pipeline subscription (Daemon.subscribe).
 * FSEVD_BENCH_READERS (a comma list) runs only some readers and prints their figures instead of
 * writing the report; FSEVD_BENCH_NODE_OPTIONS adds node options to the Node readers; both are for
 * trying a change.
 * Beside latency, each reader's main-thread CPU per error (/proc/PID/schedstat over a block).
 * The next error is raised only after the previous one arrived (plus 15–25 ms), so the kernel
 * never merges two into one event. Two scenarios: the kernel log line suppressed for this
 * filesystem (err_ratelimit_burst 0: fanotify alone, no console printing in the error path) and
 * the kernel's default rate limit (the first errors of each interval are printed, to the console
 * too, before fanotify is told). Target: fsevd p50 ≤ 1.5×, p99 ≤ 2× the bare Node reader.
 *
 * Run: node --import tsx bench/fanotify-latency.ts     (FSEVD_BENCH_QUICK=1: 2 rounds of 15)
 * Writes the `fanotify-latency` section of BENCHMARKS.md.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isRoot } from './lib/mounts.ts';
import { main, onCleanup, sleep, tempDir } from './lib/proc.ts';
import { fmt, note, ROOT, RunContext, summarize, table, writeSection, type Summary } from './lib/report.ts';

const QUICK = Boolean(process.env.FSEVD_BENCH_QUICK);
const ROUNDS = QUICK ? 2 : 5;
const PER_BLOCK = QUICK ? 15 : 40;
const ALL_READERS = ['C floor', 'bare Node', 'journaling floor', 'fanotify source', 'fsevd'] as const;
type ReaderName = (typeof ALL_READERS)[number];
/** FSEVD_BENCH_READERS="bare Node,fsevd" runs only those (for trying a change; the report needs all four). */
const READERS = ALL_READERS.filter((r) => !process.env.FSEVD_BENCH_READERS || process.env.FSEVD_BENCH_READERS.split(',').includes(r));
/** Extra node options for the fsevd readers, e.g. FSEVD_BENCH_NODE_OPTIONS="--cpu-prof" (for trying a change). */
const NODE_OPTIONS = process.env.FSEVD_BENCH_NODE_OPTIONS?.split(' ').filter(Boolean) ?? [];

/** A reader process that prints "ready", then "ev <ns>" per event. */
interface Reader {
  next(timeoutMs: number): Promise<bigint | undefined>;
  /** CPU time its main (JS or reading) thread has run so far, ns (/proc/PID/schedstat): far less moved by a busy machine than wall time. */
  mainThreadCpuNs(): number;
  stop(): Promise<void>;
}

async function startReader(argv: string[], stderr: 'inherit' | 'ignore'): Promise<Reader> {
  const [file, ...args] = argv as [string, ...string[]];
  const child = spawn(file, args, { cwd: ROOT, stdio: ['ignore', 'pipe', stderr] });
  const exited = once(child, 'exit');
  const stop = onCleanup(`stop reader ${child.pid}`, async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await exited;
  });
  const events: bigint[] = [];
  let wake: (() => void) | undefined;
  let buffered = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line === 'ready') resolve();
        else if (line.startsWith('ev ')) events.push(BigInt(line.slice(3)));
        wake?.();
      }
    });
    void exited.then(([code]) => reject(new Error(`${argv.join(' ')} exited (${code}) before it was ready`)));
  });
  return {
    async next(timeoutMs) {
      if (events.length === 0) await Promise.race([new Promise<void>((resolve) => (wake = resolve)), sleep(timeoutMs)]);
      wake = undefined;
      return events.shift();
    },
    mainThreadCpuNs: () => Number(readFileSync(`/proc/${child.pid}/schedstat`, 'utf8').split(' ')[0]),
    stop,
  };
}

interface Results {
  samples: Record<ReaderName, number[]>;
  blockP50: Record<ReaderName, number[]>;
  missed: Record<ReaderName, number>;
  /** Main-thread CPU µs per error, one figure per block (everything the reader did meanwhile, spread over its errors). */
  cpuUs: Record<ReaderName, number[]>;
  writeUs: number[];
  /** Latency of the first error each fresh reader process got (µs): what the first fault after a start costs. */
  first: Record<ReaderName, number[]>;
  /** The samples without each block's first error. */
  later: Record<ReaderName, number[]>;
}

/** Rounds of one block per reader, order rotated each round so that none always goes first. */
async function scenario(launch: Record<ReaderName, (() => string[]) | undefined>, trigger: number, label: string): Promise<Results> {
  const per = <T>(value: () => T) => Object.fromEntries(READERS.map((r) => [r, value()])) as Record<ReaderName, T>;
  const results: Results = { samples: per(() => []), blockP50: per(() => []), missed: per(() => 0), cpuUs: per(() => []), writeUs: [], first: per(() => []), later: per(() => []) };
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of READERS.map((_, i) => READERS[(i + round) % READERS.length]!)) {
      const argv = launch[name];
      if (!argv) continue;
      const reader = await startReader(argv(), name === 'fsevd' ? 'ignore' : 'inherit');
      await sleep(300);
      const block: number[] = [];
      const cpuBefore = reader.mainThreadCpuNs();
      for (let i = 0; i < PER_BLOCK; i++) {
        const t0 = process.hrtime.bigint();
        writeSync(trigger, 'fsevd bench', 0);
        results.writeUs.push(Number(process.hrtime.bigint() - t0) / 1000);
        const at = await reader.next(2000);
        if (at === undefined) results.missed[name] += 1;
        else block.push(Number(at - t0) / 1000);
        await sleep(15 + Math.random() * 10);
      }
      results.cpuUs[name].push((reader.mainThreadCpuNs() - cpuBefore) / 1000 / PER_BLOCK);
      await reader.stop();
      results.samples[name].push(...block);
      if (block[0] !== undefined) results.first[name].push(block[0]);
      results.later[name].push(...block.slice(1));
      results.blockP50[name].push(summarize(block).p50);
      note(`fanotify-latency: ${label}, round ${round + 1}/${ROUNDS}, ${name}: p50 ${fmt(summarize(block).p50)} µs`);
    }
  }
  return results;
}

function section(label: string, r: Results, floorReason: string | undefined): string {
  const s = Object.fromEntries(READERS.map((name) => [name, summarize(r.samples[name])])) as Record<ReaderName, Summary>;
  const rows = READERS.filter((name) => s[name].n > 0).map((name) => {
    const blocks = summarize(r.blockP50[name]);
    return [name, `${s[name].n}${r.missed[name] ? ` (${r.missed[name]} missed)` : ''}`, fmt(s[name].p50), fmt(s[name].p99), fmt(s[name].max), `${fmt(blocks.min)}–${fmt(blocks.max)}`, fmt(summarize(r.first[name]).p50), fmt(summarize(r.cpuUs[name]).p50)];
  });
  const ratio = (a: ReaderName, b: ReaderName, what: 'p50' | 'p99') => s[a][what] / s[b][what];
  const verdict = (what: 'p50' | 'p99', target: number) => `${what} ${fmt(ratio('fsevd', 'bare Node', what), 2)}× (target ≤ ${target}×: ${ratio('fsevd', 'bare Node', what) <= target ? '**met**' : '**not met**'})`;
  const write = summarize(r.writeUs);
  const laterP99 = (name: ReaderName) => summarize(r.later[name]).p99;
  return [
    `### ${label}`,
    '',
    table(['reader', 'n', 'p50 µs', 'p99 µs', 'max µs', 'p50 range over blocks', 'first error of a fresh process µs (median of blocks)', 'main-thread CPU µs per error (median of blocks)'], rows),
    '',
    `- fsevd vs bare Node: ${verdict('p50', 1.5)}, ${verdict('p99', 2)}; +${fmt(s.fsevd.p50 - s['bare Node'].p50)} µs at p50, +${fmt(s.fsevd.p99 - s['bare Node'].p99)} µs at p99.`,
    `- Each block is a fresh reader process, and its first error (1 sample in ${PER_BLOCK}) pays first-run costs (the table's "first error" column), so the p99 above is mostly first errors. Over the errors after the first of each block: p99 fsevd ${fmt(laterP99('fsevd'))} µs vs bare Node ${fmt(laterP99('bare Node'))} µs = ${fmt(laterP99('fsevd') / laterP99('bare Node'), 2)}× (for information; the verdict above counts every error).`,
    `- Journaling floor (decode, build, serialize, write; nothing else) vs bare Node: p50 ${fmt(ratio('journaling floor', 'bare Node', 'p50'), 2)}×, p99 ${fmt(ratio('journaling floor', 'bare Node', 'p99'), 2)}×; fsevd vs the journaling floor: p50 ${fmt(ratio('fsevd', 'journaling floor', 'p50'), 2)}×, p99 ${fmt(ratio('fsevd', 'journaling floor', 'p99'), 2)}×.`,
    `- fanotify source alone vs bare Node: p50 ${fmt(ratio('fanotify source', 'bare Node', 'p50'), 2)}×, p99 ${fmt(ratio('fanotify source', 'bare Node', 'p99'), 2)}× (what decoding and mapping add; the rest of fsevd's figure is the gatherer, correlation, sequencing, the journal write and the listeners called before the subscriber).`,
    floorReason
      ? `- No C floor: ${floorReason}.`
      : `- vs the C floor: bare Node p50 ${fmt(ratio('bare Node', 'C floor', 'p50'), 2)}× / p99 ${fmt(ratio('bare Node', 'C floor', 'p99'), 2)}×; fsevd p50 ${fmt(ratio('fsevd', 'C floor', 'p50'), 2)}× / p99 ${fmt(ratio('fsevd', 'C floor', 'p99'), 2)}×.`,
    `- The trigger write() itself (the kernel's error path, in the writer): p50 ${fmt(write.p50)} µs, p99 ${fmt(write.p99)} µs.`,
  ].join('\n');
}

async function measure(): Promise<void> {
  if (!isRoot) throw new Error('fanotify-latency needs root (loop mount, fanotify, trigger_fs_error)');
  const ctx = new RunContext();
  const work = await tempDir('fsevd-bench-fanotify-');
  const image = join(work.dir, 'fs.img');
  const mountpoint = join(work.dir, 'mnt');
  mkdirSync(mountpoint);
  execFileSync('truncate', ['-s', '32M', image]);
  execFileSync('mkfs.ext4', ['-q', '-F', image]);
  execFileSync('mount', ['-o', 'loop,errors=continue', image, mountpoint]);
  onCleanup(`umount ${mountpoint}`, () => void execFileSync('umount', [mountpoint]));
  const sysfs = `/sys/fs/ext4/${execFileSync('findmnt', ['-n', '-o', 'SOURCE', mountpoint], { encoding: 'utf8' }).trim().replace('/dev/', '')}`;
  const trigger = openSync(`${sysfs}/trigger_fs_error`, 'w');
  onCleanup('close trigger', () => closeSync(trigger));
  const floorBinary = join(work.dir, 'fanotify-reader');
  let floorReason: string | undefined;
  try {
    execFileSync('cc', ['-O2', '-o', floorBinary, join(ROOT, 'bench/baseline/fanotify-reader.c')], { stdio: 'pipe' });
  } catch (err) {
    floorReason = `cc failed: ${(err as Error).message.split('\n')[0]}`;
  }
  const tsx = (script: string, ...args: string[]) => [process.execPath, ...NODE_OPTIONS, '--import', 'tsx', join(ROOT, script), ...args];
  let states = 0;
  const launch: Record<ReaderName, (() => string[]) | undefined> = {
    'C floor': floorReason ? undefined : () => [floorBinary, mountpoint],
    'bare Node': () => tsx('bench/baseline/fanotify-node-reader.ts', mountpoint),
    'journaling floor': () => tsx('bench/baseline/fanotify-journal-reader.ts', mountpoint, join(work.dir, `journal-${++states}`)),
    'fanotify source': () => tsx('bench/lib/fanotify-subscriber.ts', 'source', mountpoint, join(work.dir, `state-${++states}`)),
    fsevd: () => tsx('bench/lib/fanotify-subscriber.ts', 'daemon', mountpoint, join(work.dir, `state-${++states}`)),
  };
  const burst = readFileSync(`${sysfs}/err_ratelimit_burst`, 'utf8').trim();
  writeFileSync(`${sysfs}/err_ratelimit_burst`, '0');
  const quiet = await scenario(launch, trigger, 'kernel log suppressed');
  writeFileSync(`${sysfs}/err_ratelimit_burst`, burst);
  if (READERS.length < ALL_READERS.length) {
    // A trial of some readers: figures on stdout, BENCHMARKS.md untouched.
    for (const name of READERS) {
      const s = summarize(quiet.samples[name]);
      console.log(`${name}: n ${s.n} p50 ${fmt(s.p50)} p99 ${fmt(s.p99)} µs, first error ${fmt(summarize(quiet.first[name]).p50)} µs, main-thread CPU ${fmt(summarize(quiet.cpuUs[name]).p50)} µs/error`);
    }
    return;
  }
  const logged = await scenario(launch, trigger, 'kernel log on');
  const body = [
    ctx.preamble('ext4 error → subscriber latency (fanotify)', 'bench/fanotify-latency.ts'),
    `- Method: per scenario ${ROUNDS} rounds × ${READERS.length} readers × ${PER_BLOCK} errors, one reader process at a time, order rotated each round. An error is a \`write()\` to /sys/fs/ext4/<loop>/trigger_fs_error (open fd), timed with CLOCK_MONOTONIC just before the write; every reader timestamps the same clock when the event reaches it; the next error follows the previous one's arrival by 15–25 ms. **C floor**: bench/baseline/fanotify-reader.c, blocking read(). **bare Node**: bench/baseline/fanotify-node-reader.ts, fsevd's native group, raw callback. **journaling floor**: bench/baseline/fanotify-journal-reader.ts, the bare reader plus the least a reader that journals before it publishes must do — decode (fsevd's decoder), build the event, serialize it, write it with the addon's appendRecord (CRC-32 and writev in C) — timed once written; no mount lookup, sequence, correlation, state or listeners. **fanotify source**: bench/lib/fanotify-subscriber.ts in \`source\` mode, fsevd's fanotify source alone in its RunningSource wrapper, timed when it delivers the FS_ERROR observation (decoding and mapping included; gatherer, pipeline and journal not). **fsevd**: the same script in \`daemon\` mode, the whole daemon (all sources, journal with default fsync: interval, single events written by the addon's appendRecord, HTTP server, correlation window 0 so that each error is a fault of its own) measured at an in-process pipeline subscription (\`Daemon.subscribe\`) on the FS_ERROR event with 'fanotify' in its sources. The pipeline publishes the first event of a loop turn before the source's callback returns, so the subscriber runs after the gatherer, correlation, sequencing, the journal write and the listeners registered before it (rules engine, stream hub); metrics counters, the refresh of other sources and the event log line follow at the end of the turn. **Main-thread CPU**: Δ of the first field of /proc/PID/schedstat (ns the reader's main thread ran) over a block ÷ its errors: everything that thread did meanwhile (for fsevd also the refresh of other sources each error sets off, the log line, timers), a figure the machine's noise moves far less than wall time.`,
    `- Scenarios: "kernel log suppressed" sets this filesystem's err_ratelimit_burst to 0, so the error path is fanotify alone; "kernel log on" restores the default (${burst} per interval), so the first errors of each interval are printed to the log and the console before fanotify is told (slower for every reader alike), and fsevd's kmsg source also parses them.`,
    '',
    section('kernel log suppressed (fanotify alone)', quiet, floorReason),
    '',
    section(`kernel log on (err_ratelimit_burst ${burst})`, logged, floorReason),
  ].join('\n');
  writeSection('fanotify-latency', body);
}

await main(measure);
