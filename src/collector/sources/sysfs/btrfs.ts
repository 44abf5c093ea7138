/**
 * @module collector/sources/sysfs/btrfs
 * What btrfs's per-device error counters mean (/sys/fs/btrfs/<fsid>/devinfo/<devid>/error_stats,
 * Linux ≥ 5.14; shared/reference/kernel-signals.md §3.7). They are cumulative and persistent, and
 * they keep counting when the kernel log is rate-limited. They do not say whether a corruption
 * was repaired from a good copy: a scrub that fixes a bad mirror and a read that fails for good
 * both add 1 to corruption_errs. So a rise is reported with the generic types — write, read and
 * flush errors as IO_ERROR, corruption and generation errors as FS_ERROR — with `data.counter`
 * and `data.delta`, and the kernel log's precise event (CORRECTED_ or UNCORRECTED_CHECKSUM_ERROR)
 * is what the correlation stage folds it into. Pure: the caller reads the files.
 */
import type { EventType } from '../../events.ts';
import type { Observation } from '../../types.ts';
import type { Increase } from './counters.ts';

/** error_stats line → event type; a counter not listed here is kept in health but not reported. */
const BTRFS_COUNTER_TYPES: Record<string, EventType> = {
  write_errs: 'IO_ERROR',
  read_errs: 'IO_ERROR',
  flush_errs: 'IO_ERROR',
  corruption_errs: 'FS_ERROR',
  generation_errs: 'FS_ERROR',
};

/** The flattened counter name of one device's counter: "<devid>/<counter>". */
export function btrfsCounterName(devid: string, counter: string): string {
  return `${devid}/${counter}`;
}

/** The observation (without mount and time) for one btrfs counter that rose, if it is reported. */
export function btrfsFinding(increase: Increase, fsUuid: string): Pick<Observation, 'type' | 'data'> | undefined {
  const slash = increase.counter.indexOf('/');
  const devid = increase.counter.slice(0, slash);
  const counter = increase.counter.slice(slash + 1);
  const type = BTRFS_COUNTER_TYPES[counter];
  if (!type) return undefined;
  const data: Record<string, unknown> = { counter, delta: increase.delta, total: increase.total, devid: Number(devid), fsUuid };
  if (type === 'FS_ERROR') data.errorCount = increase.delta;
  return { type, data };
}
