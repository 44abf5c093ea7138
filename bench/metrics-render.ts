/**
 * In-process part of the metrics-scrape benchmark (imported by bench/metrics-scrape.ts; not a
 * benchmark by itself): DaemonMetrics.renderChunks() (the buffers GET /metrics writes) over
 * 1,000 mount states with full statfs figures and thresholds (the shape the statfs source gives),
 * unchanged, with 10 mounts changed per render, and with every mount changed (a sampling sweep),
 * next to prom-client alone serialising node_exporter's shape (7 gauges × 1,000 series) on its
 * own Registry in the same run.
 */
import { performance } from 'node:perf_hooks';
import { Gauge, Registry } from 'prom-client';
import { DaemonMetrics } from '../src/api/metrics/index.ts';
import type { MountState } from '../src/collector/types.ts';
import { summarize, type Summary } from './lib/report.ts';

/** One measured scenario. */
export interface RenderResult {
  label: string;
  ms: Summary;
  bytes: number;
  samples: number;
}

const GiB = 2 ** 30;

function stateOf(mountpoint: string, index: number, round: number): MountState {
  const avail = 40 * GiB - ((index * 7919 + round * 104729) % GiB);
  return {
    mountpoint,
    device: 'fsevd-bench-src',
    fstype: 'tmpfs',
    major: 0,
    minor: 100 + index,
    mountId: 10_000 + index,
    root: `/${index}`,
    mountOptions: ['rw', 'relatime'],
    superOptions: ['rw'],
    readOnly: false,
    available: true,
    availableSince: '2026-11-23T00:00:00.000Z',
    counters: { MOUNT: 1 },
    lastEventTime: '2026-11-23T00:00:01.000Z',
    space: { time: new Date(1.8e12 + round).toISOString(), sizeBytes: 100 * GiB, availBytes: avail, freeBytes: avail + GiB, inodes: 6_553_600, inodesFree: 6_500_000 - round, blockBytes: 4096, timeToFullSeconds: 86_400 + index },
    thresholds: { origin: 'default', blocks: { l1: '10%', l2: '5%', l1Value: 10 * GiB, l2Value: 5 * GiB, position: 'armed' } },
  };
}

/** Times `body`, which returns what would be written to the socket. */
async function timed(runs: number, body: (run: number) => Promise<Buffer[]>): Promise<{ ms: Summary; text: string }> {
  const times: number[] = [];
  let chunks: Buffer[] = [];
  for (let run = 0; run < runs; run++) {
    const started = performance.now();
    chunks = await body(run);
    times.push(performance.now() - started);
  }
  return { ms: summarize(times), text: Buffer.concat(chunks).toString('utf8') };
}

const countSamples = (text: string) => text.split('\n').filter((line) => line && !line.startsWith('#')).length;

/** Measures every scenario over these mount points. */
export async function measureRender(mountpoints: readonly string[], runs: number): Promise<RenderResult[]> {
  let states = mountpoints.map((m, i) => stateOf(m, i, 0));
  const metrics = new DaemonMetrics({
    registry: new Registry(),
    inputs: { node: 'bench', version: '0', mounts: () => states, sources: () => [], journalSizeBytes: () => 0, subscribe: () => () => undefined },
  });
  const results: RenderResult[] = [];
  const record = (label: string, measured: { ms: Summary; text: string }) => results.push({ label, ms: measured.ms, bytes: Buffer.byteLength(measured.text), samples: countSamples(measured.text) });
  try {
    record('fsevd render, first (nothing cached)', await timed(1, () => metrics.renderChunks()));
    record('fsevd render, nothing changed', await timed(runs, () => metrics.renderChunks()));
    record('fsevd render, 10 mounts changed each time', await timed(runs, async (run) => {
      states = states.map((s, i) => (i % 100 === run % 100 ? stateOf(s.mountpoint, i, run + 1) : s));
      return metrics.renderChunks();
    }));
    record('fsevd render, every mount changed each time', await timed(runs, async (run) => {
      states = states.map((s, i) => stateOf(s.mountpoint, i, run + 1000));
      return metrics.renderChunks();
    }));
  } finally {
    metrics.close();
  }
  // The baseline: prom-client serialising node_exporter's 7 families for the same mounts.
  const registry = new Registry();
  const families = ['size_bytes', 'avail_bytes', 'free_bytes', 'files', 'files_free', 'readonly', 'device_error'];
  for (const family of families) {
    const gauge = new Gauge({ name: `node_filesystem_${family}`, help: family, labelNames: ['device', 'fstype', 'mountpoint'], registers: [registry] });
    for (const [i, mountpoint] of mountpoints.entries()) gauge.set({ device: 'fsevd-bench-src', fstype: 'tmpfs', mountpoint }, i);
  }
  record('prom-client alone: 7 gauges × mounts, registry.metrics() + UTF-8 encode', await timed(runs, async () => [Buffer.from(await registry.metrics(), 'utf8')]));
  return results;
}
