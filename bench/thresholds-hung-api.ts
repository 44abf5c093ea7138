/**
 * API latency while mounts hang (needs root and bindfs): 10 FUSE filesystems (bindfs) are mounted
 * and sampled by fsevd; GET /api/v1/mounts and /healthz are timed (sequential requests) first
 * with every server running (the baseline), then with all 10 servers stopped (SIGSTOP: statfs of
 * them blocks in the kernel) once fsevd has reported every one FS_UNAVAILABLE. Target: p99 with
 * 10 hung mounts ≤ 1.5× p99 with none. Runs in a private mount namespace; servers are continued,
 * killed and their mounts lazily unmounted at the end, even on failure.
 *
 * Run: node --import tsx bench/thresholds-hung-api.ts     (FSEVD_BENCH_QUICK=1: 300 requests per case)
 * Writes the `thresholds-hung-api` section of BENCHMARKS.md.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inPrivateMountNamespace, isRoot, mountDir, namespaceNote } from './lib/mounts.ts';
import { FSEVD_BIN, fetchEvents, getJson, main, onCleanup, sleep, startReady } from './lib/proc.ts';
import { fmt, note, ratioVerdict, RunContext, summarize, table, writeSection } from './lib/report.ts';

const QUICK = Boolean(process.env.FSEVD_BENCH_QUICK);
const REQUESTS = QUICK ? 300 : 2000;
const HUNG = 10;
const TARGET_RATIO = 1.5;
const SCRIPT = 'bench/thresholds-hung-api.ts';

async function timeRequests(url: string, path: string): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const t0 = performance.now();
    const response = await fetch(url + path);
    await response.arrayBuffer();
    times.push(performance.now() - t0);
  }
  return times;
}

await inPrivateMountNamespace(fileURLToPath(import.meta.url));
await main(async () => {
  if (!isRoot) throw new Error('needs root');
  if (!existsSync('/usr/bin/bindfs')) throw new Error('needs bindfs (apt-get install bindfs)');
  const run = new RunContext();
  const { dir } = await mountDir('fsevd-bench-hung-');
  const servers: ChildProcess[] = [];
  const mountpoints: string[] = [];
  onCleanup('continue and kill the bindfs servers', async () => {
    for (const server of servers) {
      server.kill('SIGCONT');
      server.kill('SIGKILL');
    }
    await sleep(200);
    for (const mnt of mountpoints) {
      try {
        execFileSync('umount', ['-l', mnt]);
      } catch {
        // already gone with its server
      }
    }
  });
  for (let i = 0; i < HUNG; i++) {
    const source = join(dir, `src${i}`);
    const mnt = join(dir, `mnt${i}`);
    mkdirSync(source);
    mkdirSync(mnt);
    servers.push(spawn('/usr/bin/bindfs', ['-f', source, mnt], { stdio: 'ignore' }));
    mountpoints.push(mnt);
  }
  const config = join(dir, 'fsevd.json');
  // The rate limit is lifted: this measures latency, and 2,000 back-to-back requests exceed its default.
  writeFileSync(config, JSON.stringify({ logEvents: false, api: { limits: { requestsPerSecond: 1_000_000, requestBurst: 1_000_000 } }, sources: { statfs: { fuse: { maxIntervalMs: 1000, timeoutMs: 1000 } } } }));
  mkdirSync(join(dir, 'state'));
  const daemon = await startReady({ label: 'fsevd', args: [FSEVD_BIN, 'run', '--listen', '127.0.0.1:0', '--state-dir', join(dir, 'state'), '--log-level', 'info', '--config', config] });
  const sampled = async () => (await getJson<{ mounts: Array<{ mountpoint: string; space?: unknown }> }>(daemon.url, '/api/v1/mounts')).mounts.filter((m) => mountpoints.includes(m.mountpoint) && m.space).length;
  for (let tries = 0; (await sampled()) < HUNG; tries++) {
    if (tries > 200) throw new Error('the FUSE mounts were not sampled');
    await sleep(100);
  }
  const cases: Array<{ label: string; times: Record<string, number[]> }> = [];
  const measure = async (label: string) => cases.push({ label, times: { '/api/v1/mounts': await timeRequests(daemon.url, '/api/v1/mounts'), '/healthz': await timeRequests(daemon.url, '/healthz') } });
  await measure('no mount hangs (baseline)');
  const since = (await getJson<{ lastSeq: number }>(daemon.url, '/healthz')).lastSeq;
  for (const server of servers) server.kill('SIGSTOP');
  for (let tries = 0; ; tries++) {
    const down = (await fetchEvents(daemon.url, since)).filter((e) => e.type === 'FS_UNAVAILABLE' && mountpoints.includes(String(e.mountpoint)));
    if (down.length >= HUNG) break;
    if (tries > 300) throw new Error(`only ${down.length} of ${HUNG} mounts reported unavailable`);
    await sleep(100);
  }
  const hung = await getJson<{ sources: Array<{ name: string; detail?: Record<string, number> }> }>(daemon.url, '/api/v1/sources');
  note(`statfs source while hung: ${JSON.stringify(hung.sources.find((s) => s.name === 'statfs')?.detail)}`);
  await measure(`${HUNG} FUSE mounts hang`);
  const rows: string[][] = [];
  for (const path of ['/api/v1/mounts', '/healthz']) {
    const [base, loaded] = cases.map((c) => summarize(c.times[path]!)) as [ReturnType<typeof summarize>, ReturnType<typeof summarize>];
    rows.push([path, `${fmt(base.p50, 2)} / ${fmt(base.p99, 2)} ms`, `${fmt(loaded.p50, 2)} / ${fmt(loaded.p99, 2)} ms`, ratioVerdict(loaded.p99 / base.p99, TARGET_RATIO)]);
  }
  writeSection('thresholds-hung-api', [
    run.preamble('API latency while 10 FUSE mounts hang', SCRIPT),
    `- Setup: ${HUNG} bindfs FUSE mounts sampled every second with a 1 s probe timeout; ${REQUESTS} sequential GETs per endpoint and case, from this process over loopback; the hung case starts once all ${HUNG} mounts were reported FS_UNAVAILABLE (their statfs calls stay blocked in the kernel on abandoned threads: ${JSON.stringify(hung.sources.find((s) => s.name === 'statfs')?.detail)}); ${namespaceNote()}`,
    '',
    table(['endpoint', 'p50 / p99, none hang (baseline)', `p50 / p99, ${HUNG} hang`, 'p99 ratio'], rows),
  ].join('\n'));
  await daemon.stop();
});
