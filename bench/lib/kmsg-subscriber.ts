/**
 * The fsevd side of bench/kmsg-latency.ts (not a benchmark itself). Two modes:
 *   - `daemon`: the real Daemon (every source, the journal, the HTTP server) in this process,
 *     timed first thing in an in-process subscription (Daemon.subscribe, what stream clients are
 *     fed from) for each FS_SHUTDOWN event from the kernel log on MOUNTPOINT. Correlation's window
 *     is 0 so that each shutdown the benchmark causes (same device, remounted) is a fault of its
 *     own rather than a storm; the first event of a fault is published at once either way.
 *   - `source`: only the mountinfo and kmsg sources, in their RunningSource wrappers, timed when
 *     the FS_SHUTDOWN observation for DEVICE is delivered (before gatherer, pipeline and journal).
 * Prints "ready" once the kmsg source is up, then "ev <hrtime ns>" per shutdown.
 *
 * Run (by the benchmark): node --import tsx bench/lib/kmsg-subscriber.ts daemon|source MOUNTPOINT DEVICE STATEDIR
 */
import { validateConfig } from '../../src/config/load.ts';
import { Daemon } from '../../src/daemon.ts';
import { createLogger } from '../../src/log.ts';
import { startBareSources } from './bare-sources.ts';

const [mode, mountpoint, device, stateDir] = process.argv.slice(2) as ['daemon' | 'source', string, string, string];
const config = validateConfig({ listen: '127.0.0.1:0', correlation: { windowMs: 0 } }, { stateDir, node: 'bench' });
const hit = (at: bigint) => void process.stdout.write(`ev ${at}\n`);
const SHUTDOWN_LINE = 'xfs.shutdown-user';

if (mode === 'daemon') {
  const daemon = await Daemon.start({ config, log: createLogger(config.logLevel).log });
  daemon.subscribe((batch) => {
    const at = process.hrtime.bigint();
    for (const e of batch) if (e.type === 'FS_SHUTDOWN' && e.mountpoint === mountpoint && e.data.pattern === SHUTDOWN_LINE) hit(at);
  });
  process.once('SIGTERM', () => void daemon.stop().finally(() => process.exit(0)));
} else {
  const bare = await startBareSources(['mountinfo', 'kmsg'], config, stateDir, (obs) => {
    if (obs.type === 'FS_SHUTDOWN' && obs.data.pattern === SHUTDOWN_LINE && obs.mount?.deviceName === device) hit(process.hrtime.bigint());
  });
  process.once('SIGTERM', () => void bare.stop().finally(() => process.exit(0)));
}
// The backlog of the ring is read before the first live record counts: give it a moment.
await new Promise((resolve) => setTimeout(resolve, 200));
process.stdout.write('ready\n');
