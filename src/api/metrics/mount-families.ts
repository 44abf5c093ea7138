/**
 * @module api/metrics/mount-families
 * The per-mount metric families: names, help, type, and how each reads its samples from a
 * MountState. Names and labels follow node_exporter's node_filesystem_* (device, fstype,
 * mountpoint) with the fsevd_ prefix, so that both join on those labels. Pure data and functions.
 * Help texts stay ASCII: one character beyond Latin-1 would make V8 store the whole exposition
 * text in two bytes per character and encode it several times slower.
 */
import { eventRegistry, eventTypes, type EventType } from '../../collector/events.ts';
import type { MountState, ThresholdLevels } from '../../collector/types.ts';
import type { FamilyType } from './exposition.ts';

/** One sample of a mount: extra labels beyond device/fstype/mountpoint (`a="x",b="y"` or ''), and its value. */
export type MountSample = readonly [extraLabels: string, value: number];

/** A per-mount family. */
export interface MountFamily {
  name: string;
  help: string;
  type: FamilyType;
  /** Names of the labels beyond device/fstype/mountpoint (for the docs and tests). */
  extraLabels: readonly string[];
  samples(mount: MountState): readonly MountSample[];
}

/** Types counted as filesystem errors: class error and not transient (FS_UNAVAILABLE has its own gauge). */
export const errorTypes: readonly EventType[] = eventTypes.filter((type) => eventRegistry[type].class === 'error' && !eventRegistry[type].transient);

/** Types counted as corrected errors (repaired from a good copy: the disk is degrading). */
export const correctedErrorTypes: readonly EventType[] = ['CORRECTED_CHECKSUM_ERROR'];

/** `class="…",type="…"` of every event type, computed once. */
const typeLabels = Object.fromEntries(eventTypes.map((type) => [type, `class="${eventRegistry[type].class}",type="${type}"`])) as Record<EventType, string>;

/** How many levels (L1, then L2 ≤ L1) a resource is at or below. */
const LEVELS_CROSSED: Record<ThresholdLevels['position'], number> = { armed: 0, 'below-l1': 1, 'below-l2': 2 };

const NONE: readonly MountSample[] = [];

function sumOf(counters: MountState['counters'], types: readonly EventType[]): number {
  let total = 0;
  for (const type of types) total += counters[type] ?? 0;
  return total;
}

/** A family with one sample per mount, or none where `read` gives undefined. */
function single(type: FamilyType, name: string, help: string, read: (mount: MountState) => number | boolean | undefined): MountFamily {
  return {
    name,
    help,
    type,
    extraLabels: [],
    samples: (mount) => {
      const value = read(mount);
      return value === undefined ? NONE : [['', Number(value)]];
    },
  };
}

/** Every per-mount family, in exposition order. */
export const mountFamilies: readonly MountFamily[] = [
  single('gauge', 'fsevd_filesystem_available', 'Whether the mount answers (1) or is unavailable (0: probe timeout, ENOTCONN, server not responding).', (m) => m.available),
  single('gauge', 'fsevd_filesystem_readonly', 'Whether the mount is read-only (1) or writable (0).', (m) => m.readOnly),
  single('gauge', 'fsevd_filesystem_size_bytes', 'Filesystem size in bytes (last statfs sample).', (m) => m.space?.sizeBytes),
  single('gauge', 'fsevd_filesystem_avail_bytes', 'Filesystem space available to non-root users in bytes (last statfs sample).', (m) => m.space?.availBytes),
  single('gauge', 'fsevd_filesystem_free_bytes', 'Filesystem free space in bytes, including the root reserve (last statfs sample).', (m) => m.space?.freeBytes),
  single('gauge', 'fsevd_filesystem_files', 'Filesystem total file nodes (last statfs sample).', (m) => m.space?.inodes),
  single('gauge', 'fsevd_filesystem_files_free', 'Filesystem free file nodes (last statfs sample).', (m) => m.space?.inodesFree),
  single('gauge', 'fsevd_filesystem_time_to_full_seconds', 'Estimated seconds until available space reaches zero at the current fill rate; absent when not filling.', (m) => m.space?.timeToFullSeconds),
  // One ordinal series per resource rather than one per level: it halves what every scrape carries.
  single('gauge', 'fsevd_filesystem_avail_thresholds_crossed', 'How many threshold levels available space is at or below: 0 (above L1), 1 (at or below L1), 2 (at or below L2); absent without thresholds.', (m) => {
    const levels = m.thresholds?.blocks;
    return levels && LEVELS_CROSSED[levels.position];
  }),
  single('gauge', 'fsevd_filesystem_files_free_thresholds_crossed', 'How many inode threshold levels free inodes are at or below: 0, 1 (L1) or 2 (L2); absent without inode thresholds.', (m) => {
    const levels = m.thresholds?.inodes;
    return levels && LEVELS_CROSSED[levels.position];
  }),
  single('counter', 'fsevd_filesystem_errors_total', `Filesystem errors seen on the mount since the daemon started (${errorTypes.join(', ')}).`, (m) => sumOf(m.counters, errorTypes)),
  single('counter', 'fsevd_filesystem_corrected_errors_total', 'Corrected errors (checksum errors repaired from a good copy) seen on the mount since the daemon started.', (m) => sumOf(m.counters, correctedErrorTypes)),
  {
    name: 'fsevd_filesystem_events_total',
    help: 'Events on the mount since the daemon started, by class and type (coalesced repeats counted); a type appears once seen.',
    type: 'counter',
    extraLabels: ['class', 'type'],
    samples: (mount) => eventTypes.filter((type) => mount.counters[type] !== undefined).map((type) => [typeLabels[type], mount.counters[type]!] as const),
  },
  single('gauge', 'fsevd_filesystem_last_event_timestamp_seconds', 'Unix time of the last event on the mount; absent when none since the daemon started.', (m) => (m.lastEventTime ? Date.parse(m.lastEventTime) / 1000 : undefined)),
];
