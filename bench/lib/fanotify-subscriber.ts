/**
 * The fsevd side of bench/fanotify-latency.ts (not a benchmark itself). Two modes:
 *   - `daemon`: the real Daemon (every source, the journal, the HTTP server) in this process,
 *     timed first thing in an in-process subscription (Daemon.subscribe, what stream clients are
 *     fed from) for each FS_ERROR event from fanotify on MOUNTPOINT. Correlation's window is 0 so
 *     that every error the benchmark raises is a fault of its own (with the default 5 s window,
 *     errors 25 ms apart are one storm, folded into follow-up events by design). Logs go to
 *     stderr as in `fsevd run`.
 *   - `source`: only the mountinfo and fanotify sources, in their RunningSource wrappers, timed
 *     when the FS_ERROR observation is delivered (before gatherer, pipeline and journal): what
 *     the fanotify source itself adds to the bare reader.
 * Prints "ready" once MOUNTPOINT's filesystem carries the mark, then "ev <hrtime ns>" per event.
 *
 * Run (by the benchmark): node --import tsx bench/lib/fanotify-subscriber.ts daemon|source MOUNTPOINT STATEDIR
 */
import { validateConfig } from '../../src/config/load.ts';
import { Daemon } from '../../src/daemon.ts';
import { createLogger } from '../../src/log.ts';
import type { SourceHealth } from '../../src/collector/types.ts';
import { startBareSources } from './bare-sources.ts';

const [mode, mountpoint, stateDir] = process.argv.slice(2) as ['daemon' | 'source', string, string];
const config = validateConfig({ listen: '127.0.0.1:0', correlation: { windowMs: 0 }, ...JSON.parse(process.env.FSEVD_BENCH_CONFIG ?? '{}') }, { stateDir, node: 'bench' });
const hit = (at: bigint) => void process.stdout.write(`ev ${at}\n`);

/** Starts what this mode measures; returns its fanotify source's health and how to stop. */
async function start(): Promise<{ fanotify: () => Promise<SourceHealth | undefined>; stop: () => Promise<void> }> {
  if (mode === 'daemon') {
    const daemon = await Daemon.start({ config, log: createLogger(config.logLevel).log });
    daemon.subscribe((batch) => {
      const at = process.hrtime.bigint();
      for (const e of batch) if (e.type === 'FS_ERROR' && e.mountpoint === mountpoint && e.sources.includes('fanotify')) hit(at);
    });
    const url = `http://${daemon.address.host}:${daemon.address.port}/api/v1/sources`;
    const fanotify = async () => ((await (await fetch(url)).json()) as { sources: Array<SourceHealth & { name: string }> }).sources.find((s) => s.name === 'fanotify');
    return { fanotify, stop: () => daemon.stop() };
  }
  const bare = await startBareSources(['mountinfo', 'fanotify'], config, stateDir, (obs) => {
    if (obs.type === 'FS_ERROR' && obs.source === 'fanotify') hit(process.hrtime.bigint());
  });
  return { fanotify: async () => bare.running[1]!.health(), stop: () => bare.stop() };
}

const measured = await start();
for (;;) {
  const superblocks = ((await measured.fanotify())?.detail?.superblocks ?? []) as Array<{ mountpoint: string; state: string }>;
  if (superblocks.some((sb) => sb.mountpoint === mountpoint && sb.state === 'marked')) break;
  await new Promise((resolve) => setTimeout(resolve, 50));
}
process.stdout.write('ready\n');
process.once('SIGTERM', () => void measured.stop().finally(() => process.exit(0)));
