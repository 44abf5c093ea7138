/**
 * @module collector/events
 * The event registry: every event type fsevd can publish, with its stable numeric code, class,
 * default severity and whether it is transient. Codes 1–8 are those of the 2015 fs_event
 * proposal (shared/reference/fs-event-protocol.md §3) so that its netlink codes map one to one.
 * Codes are never changed or reused: test/collector/events.test.ts pins this table. To retire a
 * type, keep its row and mark it `retired: true`; to add one, append the next free code.
 */

/** Severity levels, syslog-like, in increasing order. */
export type Severity = 'debug' | 'info' | 'notice' | 'warning' | 'error' | 'critical';

/** Event classes of DESIGN.md. */
export type EventClass = 'info' | 'warning' | 'error' | 'threshold';

/** One row of the registry. */
export interface EventSpec {
  code: number;
  class: EventClass;
  severity: Severity;
  /** True for trouble that may clear on its own (space, reachability). */
  transient: boolean;
  /** One line for the README's event reference. */
  description: string;
}

/** The registry, in code order. */
export const eventRegistry = {
  WARN_ENOSPC: { code: 1, class: 'warning', severity: 'warning', transient: true, description: 'No space left to reserve data blocks.' },
  WARN_ENOSPC_META: { code: 2, class: 'warning', severity: 'warning', transient: true, description: 'No space left for metadata.' },
  THR_LRBELOW: { code: 3, class: 'threshold', severity: 'warning', transient: true, description: 'Available space fell to or below the lower-range level L1.' },
  THR_LRABOVE: { code: 4, class: 'threshold', severity: 'info', transient: true, description: 'Available space rose back above L1 (re-arms it).' },
  THR_URBELOW: { code: 5, class: 'threshold', severity: 'error', transient: true, description: 'Available space fell to or below the upper-range level L2.' },
  THR_URABOVE: { code: 6, class: 'threshold', severity: 'info', transient: true, description: 'Available space rose back above L2 (re-arms it).' },
  ERR_REMOUNT_RO: { code: 7, class: 'error', severity: 'critical', transient: false, description: 'The kernel made the filesystem read-only after an error.' },
  ERR_CORRUPTED: { code: 8, class: 'error', severity: 'critical', transient: false, description: 'Metadata corruption detected.' },
  FS_ERROR: { code: 9, class: 'error', severity: 'error', transient: false, description: 'Filesystem error with an errno (fanotify FAN_FS_ERROR, sysfs counters, kernel log).' },
  IO_ERROR: { code: 10, class: 'error', severity: 'error', transient: false, description: 'I/O error on the filesystem or its block device.' },
  CORRECTED_CHECKSUM_ERROR: { code: 11, class: 'warning', severity: 'warning', transient: false, description: 'Checksum error repaired from a good copy (btrfs/ZFS-style self-heal).' },
  UNCORRECTED_CHECKSUM_ERROR: { code: 12, class: 'error', severity: 'error', transient: false, description: 'Checksum error with no good copy: data could not be read.' },
  FS_SHUTDOWN: { code: 13, class: 'error', severity: 'critical', transient: false, description: 'The filesystem shut down; further I/O fails.' },
  FS_UNAVAILABLE: { code: 14, class: 'error', severity: 'error', transient: true, description: 'The mount stopped answering (probe timeout, ENOTCONN, server not responding).' },
  FS_AVAILABLE: { code: 15, class: 'info', severity: 'notice', transient: true, description: 'The mount answers again.' },
  QUOTA_BLOCKS_SOFT: { code: 16, class: 'warning', severity: 'warning', transient: true, description: 'A user or group exceeded its block soft limit.' },
  QUOTA_BLOCKS_HARD: { code: 17, class: 'warning', severity: 'error', transient: true, description: 'A user or group reached its block hard limit.' },
  QUOTA_BLOCKS_GRACE_EXPIRED: { code: 18, class: 'warning', severity: 'error', transient: true, description: 'Block soft-limit grace time expired.' },
  QUOTA_BLOCKS_BELOW: { code: 19, class: 'info', severity: 'info', transient: true, description: 'Block usage went back below a limit.' },
  QUOTA_INODES_SOFT: { code: 20, class: 'warning', severity: 'warning', transient: true, description: 'A user or group exceeded its inode soft limit.' },
  QUOTA_INODES_HARD: { code: 21, class: 'warning', severity: 'error', transient: true, description: 'A user or group reached its inode hard limit.' },
  QUOTA_INODES_GRACE_EXPIRED: { code: 22, class: 'warning', severity: 'error', transient: true, description: 'Inode soft-limit grace time expired.' },
  QUOTA_INODES_BELOW: { code: 23, class: 'info', severity: 'info', transient: true, description: 'Inode usage went back below a limit.' },
  MOUNT: { code: 24, class: 'info', severity: 'info', transient: false, description: 'A filesystem was mounted.' },
  UMOUNT: { code: 25, class: 'info', severity: 'info', transient: false, description: 'A filesystem was unmounted.' },
  REMOUNT: { code: 26, class: 'info', severity: 'notice', transient: false, description: 'Mount or superblock options changed (data.before / data.after).' },
  DEVICE_REMOVED: { code: 27, class: 'error', severity: 'critical', transient: false, description: 'The block device under a mounted filesystem went away.' },
  EVENTS_LOST: { code: 28, class: 'warning', severity: 'warning', transient: false, description: 'A source lost records (kernel overrun, sequence gap, queue overflow).' },
  FS_WARNING: { code: 29, class: 'warning', severity: 'warning', transient: false, description: 'The filesystem logged warnings (ext4 warning_count rose; kernel log warnings).' },
  DEVICE_CHANGED: { code: 30, class: 'warning', severity: 'warning', transient: false, description: 'The block device under a mounted filesystem changed: resize, media change, eject request, read-only (data.change).' },
  NODE_UNREACHABLE: { code: 31, class: 'error', severity: 'error', transient: false, description: 'fsevd cluster only: a node\'s fsevd could not be heard for unreachable.afterSeconds (data.address, data.seconds, data.lastError).' },
} as const satisfies Record<string, EventSpec>;

/** Stable name of an event type. */
export type EventType = keyof typeof eventRegistry;

/** All event type names, in code order. */
export const eventTypes = Object.keys(eventRegistry) as EventType[];

/** The registry row of a type. */
export function eventSpec(type: EventType): EventSpec {
  return eventRegistry[type];
}

/** True when `name` is a registered event type. */
export function isEventType(name: string): name is EventType {
  return Object.hasOwn(eventRegistry, name);
}
