/**
 * Mount-to-event latency benchmark (needs root): time from a mount appearing to fsevd's MOUNT
 * event. fsevd runs; ≥ 50 times, `mount -t tmpfs` a fresh dir, taking the wall time just before
 * spawning mount(8) and just after it exits, 150 ms apart. Poll-free: the MOUNT event's `time`
 * (ISO ms, when the mountinfo source read the change) is fetched from GET /api/v1/events at the
 * end, and we report event.time − (mount(8) exit) and − (before spawn), p50/p95/p99/max.
 * Floor, in the same run and over the same mounts: bench/baseline/pollpri-reader.ts, the bare
 * Node reader on the same native addon (watchPriority on /proc/self/mountinfo), reporting when its
 * POLLPRI callback ran and when its re-read of mountinfo finished (skipped, and said so, when the
 * addon is not built). Scenarios: the machine's mounts, then 1,000 extra bind mounts present
 * before fsevd starts (each re-read then costs ≈ 3 ms). Everything mounted is unmounted at the end,
 * even on failure, and checked gone in /proc/self/mountinfo. Target: ≤ 50 ms.
 *
 * Run: node --import tsx bench/mount-latency.ts        (FSEVD_BENCH_QUICK=1: 20 mounts per scenario)
 * Writes the `mount-latency` section of BENCHMARKS.md.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BindFarm, inPrivateMountNamespace, isRoot, mountDir, mountsUnder, namespaceNote } from './lib/mounts.ts';
import { fetchEvents, fsevdLaunch, getJson, main, onCleanup, sleep, startReady, tempDir, wallNow } from './lib/proc.ts';
import { fmt, note, ROOT, RunContext, summarize, table, writeSection, type Summary } from './lib/report.ts';

const QUICK = Boolean(process.env.FSEVD_BENCH_QUICK);
const MOUNTS = QUICK ? 20 : 100;
const GAP_MS = 150;
const BINDS = 1000;
const TARGET_MS = 50;
const READER = join(ROOT, 'bench/baseline/pollpri-reader.ts');

interface Reading {
  cb: number;
  read: number;
  count: number;
}

/** Starts the bare POLLPRI reader; resolves to its readings (filled as they come) or a reason it cannot run. */
async function startReader(prefix: string): Promise<{ readings: Reading[]; stop: () => Promise<void> } | { unavailable: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', READER, prefix], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  const stop = onCleanup(`stop pollpri reader ${child.pid}`, async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await exited;
  });
  const readings: Reading[] = [];
  let buffered = '';
  return new Promise((resolve, reject) => {
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = JSON.parse(buffered.slice(0, newline)) as Reading & { ready?: boolean; unavailable?: string };
        buffered = buffered.slice(newline + 1);
        if (line.ready) resolve({ readings, stop });
        else if (line.unavailable) resolve({ unavailable: line.unavailable });
        else readings.push(line);
      }
    });
    void exited.then(([code]) => reject(new Error(`pollpri reader exited (${code}) before it was ready`)));
  });
}

/** Mounts a tmpfs on `path`; returns wall times just before spawn and just after exit. */
async function mountTmpfs(path: string): Promise<{ before: number; exited: number }> {
  const before = wallNow();
  const child = spawn('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'fsevd-bench-lat', path], { stdio: 'ignore' });
  const [code] = (await once(child, 'exit')) as [number | null];
  const exited = wallNow();
  if (code !== 0) throw new Error(`mount -t tmpfs … ${path} exited ${code}`);
  return { before, exited };
}

interface Scenario {
  label: string;
  tableSize: number;
  mountMs: number[];
  eventVsExit: number[];
  eventVsBefore: number[];
  missing: number;
  floor?: { cbVsExit: number[]; readVsExit: number[]; cbVsBefore: number[]; readVsBefore: number[]; missing: number };
}

async function scenario(label: string): Promise<Scenario> {
  const { dir, teardown } = await mountDir('fsevd-bench-mounts-');
  const state = await tempDir('fsevd-bench-state-');
  const fsevd = await startReady(fsevdLaunch(state.dir));
  const reader = await startReader(dir);
  const floorReason = 'unavailable' in reader ? reader.unavailable : undefined;
  await sleep(1000);
  const { lastSeq } = await getJson<{ lastSeq: number }>(fsevd.url, '/healthz');
  const times: Array<{ path: string; before: number; exited: number }> = [];
  for (let i = 0; i < MOUNTS; i++) {
    const path = join(dir, `m${i}`);
    mkdirSync(path);
    times.push({ path, ...(await mountTmpfs(path)) });
    await sleep(GAP_MS);
  }
  await sleep(1000);
  const events = (await fetchEvents(fsevd.url, lastSeq)).filter((e) => e.type === 'MOUNT' && String(e.mountpoint ?? '').startsWith(`${dir}/`));
  const eventTime = new Map(events.map((e) => [String(e.mountpoint), Date.parse(String(e.time))]));
  const sources = await getJson<{ sources: Array<{ name: string; detail?: { mounts?: number; mechanism?: string } }> }>(fsevd.url, '/api/v1/sources');
  const mountinfo = sources.sources.find((s) => s.name === 'mountinfo');
  if (mountinfo?.detail?.mechanism !== 'pollpri') note(`mount-latency: fsevd's mountinfo source is not using POLLPRI: ${mountinfo?.detail?.mechanism}`);
  await fsevd.stop();
  const result: Scenario = { label, tableSize: mountinfo?.detail?.mounts ?? NaN, mountMs: [], eventVsExit: [], eventVsBefore: [], missing: 0 };
  for (const t of times) {
    result.mountMs.push(t.exited - t.before);
    const at = eventTime.get(t.path);
    if (at === undefined) result.missing++;
    else {
      result.eventVsExit.push(at - t.exited);
      result.eventVsBefore.push(at - t.before);
    }
  }
  if (!('unavailable' in reader)) {
    await reader.stop();
    const floor = { cbVsExit: [] as number[], readVsExit: [] as number[], cbVsBefore: [] as number[], readVsBefore: [] as number[], missing: 0 };
    times.forEach((t, i) => {
      // The first reading that contains mount i (readings are in time order).
      const hit = reader.readings.find((r) => r.count >= i + 1 && r.read >= t.before);
      if (!hit) return void floor.missing++;
      floor.cbVsExit.push(hit.cb - t.exited);
      floor.readVsExit.push(hit.read - t.exited);
      floor.cbVsBefore.push(hit.cb - t.before);
      floor.readVsBefore.push(hit.read - t.before);
    });
    result.floor = floor;
  } else note(`mount-latency: no floor: ${floorReason}`);
  await teardown();
  if (mountsUnder(dir).length > 0) throw new Error(`mounts left under ${dir}`);
  await state.remove();
  note(`mount-latency: ${label}: fsevd p50 ${fmt(summarize(result.eventVsExit).p50)} ms after mount(8) exit, ${result.missing} missing`);
  return result;
}

await inPrivateMountNamespace(fileURLToPath(import.meta.url));

await main(async () => {
  if (!isRoot) throw new Error('mount-latency needs root (it mounts tmpfs and 1,000 bind mounts)');
  const ctx = new RunContext();
  const results: Scenario[] = [];
  results.push(await scenario("machine's mounts"));
  const farm = await BindFarm.create(BINDS);
  farm.bindAll();
  results.push(await scenario(`+${BINDS} bind mounts`));
  await farm.teardown();
  const clean = mountsUnder(farm.dir).length === 0;

  const row = (label: string, what: string, values: number[], missing: number) => {
    const s: Summary = summarize(values);
    return [label, what, `${s.n}${missing ? ` (${missing} missing)` : ''}`, fmt(s.p50), fmt(s.p95), fmt(s.p99), fmt(s.max)];
  };
  const rows: string[][] = [];
  const verdicts: string[] = [];
  for (const r of results) {
    const head = `${r.label} (${fmt(r.tableSize, 0)} in fsevd's table at the end)`;
    rows.push(row(head, '**fsevd: event `time` − mount(8) exit**', r.eventVsExit, r.missing));
    rows.push(row('', 'fsevd: event `time` − before spawn', r.eventVsBefore, r.missing));
    if (r.floor) {
      rows.push(row('', 'floor: POLLPRI callback − mount(8) exit', r.floor.cbVsExit, r.floor.missing));
      rows.push(row('', 'floor: callback + re-read − mount(8) exit', r.floor.readVsExit, r.floor.missing));
      rows.push(row('', 'floor: callback + re-read − before spawn', r.floor.readVsBefore, r.floor.missing));
    }
    rows.push(row('', 'mount(8) itself: exit − before spawn', r.mountMs, 0));
    const f = summarize(r.eventVsBefore);
    const floor = r.floor ? summarize(r.floor.readVsBefore) : undefined;
    verdicts.push(
      `${r.label}: fsevd p99 ${fmt(f.p99)} ms after the spawn of mount(8) (the conservative bound) — target ≤ ${TARGET_MS} ms ${f.p99 <= TARGET_MS && r.missing === 0 ? '**met**' : '**not met**'}` +
        (floor ? `; p50 / p99 ${fmt(f.p50 / floor.p50, 2)}× / ${fmt(f.p99 / floor.p99, 2)}× the bare reader's re-read (+${fmt(f.p50 - floor.p50)} / +${fmt(f.p99 - floor.p99)} ms).` : '; no floor (addon not built).'),
    );
  }
  const body = [
    ctx.preamble('Mount → MOUNT event latency', 'bench/mount-latency.ts'),
    `- Method: fsevd (\`node bin/fsevd.js run --listen 127.0.0.1:0 --state-dir <fresh temp dir> --log-level info\`) and the floor reader (\`node --import tsx bench/baseline/pollpri-reader.ts <dir>\`, the same native watchPriority on /proc/self/mountinfo, nothing else) run side by side; ${MOUNTS} × \`mount -t tmpfs -o size=64k\` on fresh dirs, ${GAP_MS} ms apart, timestamps (wall clock, sub-ms) just before spawning mount(8) and just after its exit. fsevd's figure is the MOUNT event's own \`time\` (set when its re-read of mountinfo finished; ms resolution, so up to 1 ms early) fetched once at the end; the floor's is when its POLLPRI callback ran and when its synchronous re-read finished, taking the first reading that contains the mount. Negative = seen before mount(8) had exited. All figures in ms.`,
    `- Mount namespace: ${namespaceNote()}`,
    '',
    table(['scenario', 'measure', 'n', 'p50', 'p95', 'p99', 'max'], rows),
    '',
    ...verdicts.map((v) => `- ${v}`),
    '',
    `Teardown: every tmpfs and all ${BINDS} binds unmounted, ${clean ? 'verified in /proc/self/mountinfo' : '**mounts left behind**'}.`,
  ].join('\n');
  writeSection('mount-latency', body);
});
