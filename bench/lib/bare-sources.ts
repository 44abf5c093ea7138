/**
 * Runs some registered sources without the daemon (no gatherer, pipeline, journal or HTTP), so
 * a benchmark can time a source by itself next to the whole daemon. Used by the latency
 * subscribers in bench/lib/.
 */
import { pino } from 'pino';
import type { Config } from '../../src/config/schema.ts';
import { MountTable } from '../../src/collector/mounts/table.ts';
import { RunningSource } from '../../src/collector/running-source.ts';
import { sources as registry, type SourceName } from '../../src/collector/sources/registry.ts';
import type { Observation } from '../../src/collector/types.ts';

/** Started sources and how to stop them. */
export interface BareSources {
  running: RunningSource[];
  stop(): Promise<void>;
}

/** Starts `names` in order (mountinfo first, so the others see the mount table) and hands every observation to `deliver`. */
export async function startBareSources(names: SourceName[], config: Config, stateDir: string, deliver: (obs: Observation) => void): Promise<BareSources> {
  const table = new MountTable();
  const running = names.map(
    (name) =>
      new RunningSource(registry[name].create(config.sources[name] as never, { mountTable: table }), {
        log: pino({ level: 'silent' }),
        paths: { proc: '/proc', sys: '/sys', dev: '/dev', stateDir },
        mounts: table,
        now: Date.now,
        deliver,
      }),
  );
  for (const r of running) await r.start();
  // Sources keep nothing alive on their own (the daemon's HTTP server does).
  const keepAlive = setInterval(() => undefined, 1 << 30);
  return {
    running,
    async stop() {
      clearInterval(keepAlive);
      for (const r of running) await r.stop();
    },
  };
}
