/**
 * Scrape benchmark (needs root, and node_exporter from the Debian package
 * prometheus-node-exporter): GET /metrics of a running fsevd with 1,000 extra bind mounts (of a
 * small tmpfs, made and torn down here), next to node_exporter's filesystem collector alone
 * (`--collector.disable-defaults --collector.filesystem`) on the very same mounts in the same run.
 * Scrapes alternate fsevd / node_exporter after a warm-up; each is one HTTP GET on a kept-alive
 * connection without compression (as curl does), timed from request to last byte. Reported: wall
 * time, size, samples, the server's CPU per scrape (utime+stime from /proc), and node_exporter's
 * own `node_scrape_collector_duration_seconds{collector="filesystem"}`. Then, in process:
 * DaemonMetrics.renderChunks() with full statfs figures for 1,000 mounts, unchanged / 10 changed / all
 * changed, next to prom-client alone serialising node_exporter's 7 × 1,000 series.
 * Target: fsevd scrape ≤ 0.25× node_exporter's (shared/reference/performance-floors.md item 6).
 *
 * Run: node --import tsx bench/metrics-scrape.ts      (FSEVD_BENCH_QUICK=1: 5 rounds)
 * Writes the `metrics-scrape` section of BENCHMARKS.md.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Agent, get } from 'node:http';
import { gzipSync } from 'node:zlib';
import { BindFarm, isRoot } from './lib/mounts.ts';
import { cpuSeconds, fsevdLaunch, main, onCleanup, sleep, startReady, tempDir } from './lib/proc.ts';
import { fmt, medianRange, note, ratioVerdict, RunContext, summarize, table, writeSection, type Summary } from './lib/report.ts';
import { mountFamilies } from '../src/api/metrics/mount-families.ts';
import { measureRender } from './metrics-render.ts';

const QUICK = Boolean(process.env.FSEVD_BENCH_QUICK);
const ROUNDS = QUICK ? 5 : 30;
const WARMUP = 3;
const BINDS = 1000;
const TARGET = 0.25;
const NODE_EXPORTER = 'prometheus-node-exporter';
/** node_exporter 1.5 panics on a mount point that is not UTF-8 (other tests make such mounts); Go's regexp sees those bytes as U+FFFD. */
const EXCLUDE = '^/(dev|proc|run|sys|mnt|media|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)|\\x{FFFD}';

interface Scrape {
  ms: number;
  body: string;
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** One GET, timed from request to last byte; no Accept-Encoding, so neither side compresses. */
function scrape(url: string): Promise<Scrape> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    get(url, { agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        if (response.statusCode !== 200) reject(new Error(`GET ${url}: ${response.statusCode}`));
        else resolve({ ms: performance.now() - started, body: Buffer.concat(chunks).toString('utf8') });
      });
      response.on('error', reject);
    }).on('error', reject);
  });
}

const samples = (text: string) => text.split('\n').filter((line) => line && !line.startsWith('#')).length;
const under = (text: string, dir: string, family: string) => text.split('\n').filter((line) => line.startsWith(`${family}{`) && line.includes(`mountpoint="${dir}/`)).length;

/** Starts node_exporter with the filesystem collector only, on a port it picks; returns its URL and pid. */
async function startNodeExporter(): Promise<{ url: string; pid: number }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const child = spawn(NODE_EXPORTER, ['--collector.disable-defaults', '--collector.filesystem', `--collector.filesystem.mount-points-exclude=${EXCLUDE}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
    const exited = once(child, 'exit');
    onCleanup(`stop node_exporter ${child.pid}`, async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    });
    const url = `http://127.0.0.1:${port}/metrics`;
    for (let wait = 0; wait < 50 && child.exitCode === null; wait++) {
      if (await scrape(url).then(() => true, () => false)) return { url, pid: child.pid! };
      await sleep(100);
    }
  }
  throw new Error('node_exporter did not start');
}

interface Side {
  label: string;
  url: string;
  pid: number;
  runs: Scrape[];
  cpu: number;
}

function row(side: Side, dir: string, family: string): string[] {
  const ms = summarize(side.runs.map((r) => r.ms));
  const body = side.runs.at(-1)!.body;
  return [side.label, medianRange(ms, 'ms'), `${fmt(ms.p95)} ms`, `${fmt(Buffer.byteLength(body) / 1024)} KiB`, `${fmt(gzipSync(body).length / 1024)} KiB`, String(samples(body)), String(under(body, dir, family)), `${fmt((1000 * side.cpu) / side.runs.length)} ms`];
}

await main(async () => {
  if (!isRoot) throw new Error('needs root (bind mounts)');
  const ctx = new RunContext();
  const farm = await BindFarm.create(BINDS);
  note(`binding ${BINDS} mounts under ${farm.bindsDir}`);
  farm.bindAll();
  const state = await tempDir('fsevd-bench-state-');
  const fsevd = await startReady(fsevdLaunch(state.dir));
  const fsevdUrl = `${fsevd.url}/metrics`;
  note('waiting until fsevd shows every bind (and their statfs figures, if it samples them)');
  let spaceSeries = 0;
  for (let wait = 0; wait < 300; wait++) {
    const body = (await scrape(fsevdUrl)).body;
    spaceSeries = under(body, farm.bindsDir, 'fsevd_filesystem_avail_bytes');
    if (under(body, farm.bindsDir, 'fsevd_filesystem_readonly') === BINDS && (spaceSeries === BINDS || wait > 100)) break;
    await sleep(100);
  }
  const exporter = await startNodeExporter();
  const sides: Side[] = [
    { label: '**fsevd** GET /metrics', url: fsevdUrl, pid: fsevd.pid, runs: [], cpu: 0 },
    { label: 'node_exporter, filesystem collector only', url: exporter.url, pid: exporter.pid, runs: [], cpu: 0 },
  ];
  for (let i = 0; i < WARMUP; i++) for (const side of sides) await scrape(side.url);
  note(`${ROUNDS} alternating rounds`);
  const collectorSeconds: number[] = [];
  const phases: Record<string, number[]> = { mount_states: [], mount_text: [], registry: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const side of sides) {
      const cpuBefore = cpuSeconds(side.pid);
      side.runs.push(await scrape(side.url));
      side.cpu += cpuSeconds(side.pid) - cpuBefore;
    }
    const own = /node_scrape_collector_duration_seconds\{collector="filesystem"\} (\S+)/.exec(sides[1]!.runs.at(-1)!.body);
    if (own) collectorSeconds.push(Number(own[1]) * 1000);
    // fsevd reports the phases of its previous render; every round's fsevd scrape follows another one.
    for (const match of sides[0]!.runs.at(-1)!.body.matchAll(/^fsevd_metrics_render_duration_seconds\{phase="(\w+)"\} (\S+)$/gm)) phases[match[1]!]?.push(Number(match[2]) * 1000);
  }
  const [ours, theirs] = sides.map((side) => summarize(side.runs.map((r) => r.ms))) as [Summary, Summary];
  const mountpoints = Array.from({ length: BINDS }, (_, i) => `${farm.bindsDir}/${i}`);
  note('in-process render scenarios');
  const render = await measureRender(mountpoints, QUICK ? 10 : 50);
  await fsevd.stop();
  agent.destroy();
  await farm.teardown();

  writeSection('metrics-scrape', [
    ctx.preamble('Metrics: scrape time and size at 1,000 mounts', 'bench/metrics-scrape.ts'),
    `- Method: ${BINDS} bind mounts of one 1 MiB tmpfs (made before both servers start); fsevd (\`--log-level info\`, default config) and \`prometheus-node-exporter --collector.disable-defaults --collector.filesystem\` (default exclusions, plus paths that are not UTF-8) serve the same mount table. ${WARMUP} warm-up scrapes each, then ${ROUNDS} alternating rounds; one GET per scrape on a kept-alive connection, no compression, timed request → last byte in the client. "CPU / scrape" is the server's utime+stime over all rounds divided by the rounds (10 ms tick resolution). fsevd had statfs figures for ${spaceSeries} of the ${BINDS} binds when the rounds started.`,
    '',
    table(['server', 'scrape, median [range]', 'p95', 'size', 'gzip', 'samples', `samples on the ${BINDS} binds (readonly / node_filesystem_readonly)`, 'CPU / scrape'], [
      row(sides[0]!, farm.bindsDir, 'fsevd_filesystem_readonly'),
      row(sides[1]!, farm.bindsDir, 'node_filesystem_readonly'),
    ]),
    '',
    `node_exporter's own filesystem collector time (node_scrape_collector_duration_seconds): ${medianRange(summarize(collectorSeconds), 'ms')}. fsevd's render phases (fsevd_metrics_render_duration_seconds, median [range]): building every MountState in the pipeline (\`mountStates()\`, not the metrics code) ${medianRange(summarize(phases.mount_states!), 'ms', 2)}; per-mount text ${medianRange(summarize(phases.mount_text!), 'ms', 2)}; prom-client registry and concatenation ${medianRange(summarize(phases.registry!), 'ms', 2)}. The rest of a scrape is fastify, the loopback socket and the client reading ${fmt(Buffer.byteLength(sides[0]!.runs.at(-1)!.body) / 1024)} KiB.`,
    '',
    `**Ratio fsevd ÷ node_exporter (median scrape): ${ratioVerdict(ours.median / theirs.median, TARGET)}**`,
    '',
    `In process (no HTTP): \`DaemonMetrics.renderChunks()\` (the buffers GET /metrics writes) for 1,000 mounts with full statfs figures and thresholds (${mountFamilies.length} per-mount families plus the daemon and process families), and prom-client alone serialising node_exporter's 7 families for the same 1,000 mounts:`,
    '',
    table(['scenario', 'time, median [range]', 'p95', 'size', 'samples'], render.map((r) => [r.label, medianRange(r.ms, 'ms', 2), `${fmt(r.ms.p95, 2)} ms`, `${fmt(r.bytes / 1024)} KiB`, String(r.samples)])),
  ].join('\n'));
});
