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
import { pino } from 'pino';
import { validateConfig } from '../../src/config/load.ts';
import { Daemon } from '../../src/daemon.ts';
import { createLogger } from '../../src/log.ts';
import { MountTable } from '../../src/collector/mounts/table.ts';
import { RunningSource } from '../../src/collector/running-source.ts';
import { sources as registry } from '../../src/collector/sources/registry.ts';
import type { SourceHealth } from '../../src/collector/types.ts';

const [mode, mountpoint, stateDir] = process.argv.slice(2) as ['daemon' | 'source', string, string];
const config = validateConfig({ listen: '127.0.0.1:0', correlation: { windowMs: 0 } }, { stateDir, node: 'bench' });
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
  const table = new MountTable();
  const running = (['mountinfo', 'fanotify'] as const).map(
    (name) =>
      new RunningSource(registry[name].create(config.sources[name] as never, { mountTable: table }), {
        log: pino({ level: 'silent' }),
        paths: { proc: '/proc', sys: '/sys', dev: '/dev', stateDir },
        mounts: table,
        now: Date.now,
        deliver: (obs) => {
          if (obs.type === 'FS_ERROR' && obs.source === 'fanotify') hit(process.hrtime.bigint());
        },
      }),
  );
  for (const r of running) await r.start();
  // Sources keep nothing alive on their own (the daemon's HTTP server does, in the other mode).
  const keepAlive = setInterval(() => undefined, 1 << 30);
  const stop = async () => {
    clearInterval(keepAlive);
    for (const r of running) await r.stop();
  };
  return { fanotify: async () => running[1]!.health(), stop };
}

const measured = await start();
for (;;) {
  const superblocks = ((await measured.fanotify())?.detail?.superblocks ?? []) as Array<{ mountpoint: string; state: string }>;
  if (superblocks.some((sb) => sb.mountpoint === mountpoint && sb.state === 'marked')) break;
  await new Promise((resolve) => setTimeout(resolve, 50));
}
process.stdout.write('ready\n');
process.once('SIGTERM', () => void measured.stop().finally(() => process.exit(0)));
