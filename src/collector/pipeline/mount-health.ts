/**
 * @module collector/pipeline/mount-health
 * Pure per-mount health bookkeeping: what an event changes in the state of the mounts it concerns.
 * Read-only and mount options come from the mount table itself; this keeps what the table cannot
 * know (availability, last error, counters).
 */
import type { EventType } from '../events.ts';
import type { FsEvent, MountEntry, MountState } from '../types.ts';
import { identityOf, isReadOnly } from '../mounts/table.ts';

/** The part of a mount's state that events build up. */
export interface MountHealth {
  available: boolean;
  availableSince: string;
  lastError?: MountState['lastError'];
  lastEventTime?: string;
  counters: Partial<Record<EventType, number>>;
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
    const errno = typeof event.data.errno === 'number' ? event.data.errno : undefined;
    health.lastError = { time: event.time, type: event.type, seq: event.seq, ...(errno === undefined ? {} : { errno }) };
  }
  if (event.type === 'FS_UNAVAILABLE' && health.available) {
    health.available = false;
    health.availableSince = event.time;
  } else if (event.type === 'FS_AVAILABLE' && !health.available) {
    health.available = true;
    health.availableSince = event.time;
  }
}

/** The full state of a mount: its table entry plus its health. */
export function mountState(entry: MountEntry, health: MountHealth): MountState {
  return {
    ...identityOf(entry),
    root: entry.root,
    mountOptions: entry.mountOptions,
    superOptions: entry.superOptions,
    readOnly: isReadOnly(entry),
    ...health,
    counters: { ...health.counters },
  };
}
