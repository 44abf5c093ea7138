/**
 * @module collector/pipeline/mount-health
 * Pure per-mount health bookkeeping: what an event changes in the state of the mounts it concerns.
 * Read-only and mount options come from the mount table itself; this keeps what the table cannot
 * know (availability, last error, counters).
 */
import type { EventType } from '../events.ts';
import type { FsEvent, MountEntry, MountState, SpaceRecord, Unavailability } from '../types.ts';
import { identityOf, isReadOnly } from '../mounts/table.ts';

/** The part of a mount's state that events build up. */
export interface MountHealth {
  available: boolean;
  availableSince: string;
  lastError?: MountState['lastError'];
  lastEventTime?: string;
  counters: Partial<Record<EventType, number>>;
  unavailable?: Unavailability;
  /** The kernel made it read-only after an error (ERR_REMOUNT_RO), whatever the mount table says yet. */
  readOnlyByError?: boolean;
  /** The filesystem shut down (FS_SHUTDOWN): every further I/O fails until it is unmounted. */
  shutdown?: boolean;
}

/** Health of a mount nothing has been heard about yet. */
export function initialHealth(since: string): MountHealth {
  return { available: true, availableSince: since, counters: {} };
}

/** Applies one event to one mount's health, in place. */
export function applyEvent(health: MountHealth, event: FsEvent): void {
  health.lastEventTime = event.time;
  health.counters[event.type] = (health.counters[event.type] ?? 0) + event.count;
  if (event.class === 'error') {
    // No spread: this runs on every error event, before it is published.
    const lastError: NonNullable<MountHealth['lastError']> = { time: event.time, type: event.type, seq: event.seq };
    if (typeof event.data.errno === 'number') lastError.errno = event.data.errno;
    health.lastError = lastError;
  }
  applyErrorState(health, event);
  if (event.type === 'FS_UNAVAILABLE') {
    if (health.available) {
      health.available = false;
      health.availableSince = event.time;
    }
    health.unavailable = { kind: kindOf(event), reason: typeof event.data.reason === 'string' ? event.data.reason : 'unavailable', sources: [...event.sources] };
  } else if (event.type === 'FS_AVAILABLE' && !health.available) {
    health.available = true;
    health.availableSince = event.time;
    delete health.unavailable;
  }
}

/**
 * Read-only and shut-down states that the mount table may not show: since 6.12 ext4's
 * errors=remount-ro only adds emergency_ro (no poll event), XFS shows nothing at all, and the log
 * line may be the only signal. A remount that the table reports writable clears read-only.
 */
function applyErrorState(health: MountHealth, event: FsEvent): void {
  if (event.type === 'ERR_REMOUNT_RO') health.readOnlyByError = true;
  else if (event.type === 'FS_SHUTDOWN') health.shutdown = true;
  else if (event.type === 'REMOUNT' && (event.data.after as { readOnly?: unknown } | undefined)?.readOnly === false) delete health.readOnlyByError;
}

/**
 * True when an availability event only repeats the mount's current state (the kernel log and the
 * statfs probe both saw one outage): the pipeline drops it, after adding its source to the state.
 * Turning permanent is news, not a repeat.
 */
export function isRepeat(health: MountHealth, type: FsEvent['type'], data: FsEvent['data'], source: string): boolean {
  if (type === 'FS_AVAILABLE') return health.available;
  if (type !== 'FS_UNAVAILABLE' || health.available || !health.unavailable) return false;
  if (health.unavailable.kind === 'transient' && data.transient === false) return false;
  if (!health.unavailable.sources.includes(source)) health.unavailable.sources.push(source);
  return true;
}

function kindOf(event: FsEvent): Unavailability['kind'] {
  return event.data.transient === false ? 'permanent' : 'transient';
}

/**
 * The full state of a mount: its table entry, its health and the latest sampling results of its
 * filesystem. Built without object spreads: /api/v1/mounts and /metrics build a thousand of
 * these per request, and spreads cost 10-50x more here.
 */
export function mountState(entry: MountEntry, health: MountHealth, sampled?: SpaceRecord): MountState {
  const state: MountState = Object.assign(identityOf(entry), {
    root: entry.root,
    mountOptions: entry.mountOptions,
    superOptions: entry.superOptions,
    readOnly: isReadOnly(entry) || health.readOnlyByError === true || health.shutdown === true,
    available: health.available,
    availableSince: health.availableSince,
    counters: { ...health.counters },
  });
  if (health.lastError !== undefined) state.lastError = health.lastError;
  if (health.lastEventTime !== undefined) state.lastEventTime = health.lastEventTime;
  if (health.readOnlyByError !== undefined) state.readOnlyByError = health.readOnlyByError;
  if (health.shutdown !== undefined) state.shutdown = health.shutdown;
  if (health.unavailable) state.unavailable = { kind: health.unavailable.kind, reason: health.unavailable.reason, sources: [...health.unavailable.sources] };
  if (sampled) Object.assign(state, sampled);
  return state;
}
