/**
 * @module collector/pipeline/fault-family
 * Which event types describe the same kind of fault, for correlation (correlate.ts). Sources
 * report one fault under different types: fanotify's errno 117 and ext4's "EXT4-fs error" line,
 * or a btrfs checksum failure first believed uncorrected and then repaired. Types absent here
 * (mount changes, thresholds, quota warnings, whose identity is more than the filesystem) are
 * never folded.
 */
import type { EventType } from '../events.ts';
import type { Severity } from '../types.ts';
import type { GatheredEvent } from '../gatherer.ts';

const FAMILIES: Partial<Record<EventType, string>> = {
  FS_ERROR: 'fs-error',
  ERR_CORRUPTED: 'fs-error',
  FS_WARNING: 'fs-warning',
  IO_ERROR: 'io-error',
  CORRECTED_CHECKSUM_ERROR: 'checksum',
  UNCORRECTED_CHECKSUM_ERROR: 'checksum',
  ERR_REMOUNT_RO: 'read-only',
  FS_SHUTDOWN: 'shutdown',
  FS_UNAVAILABLE: 'unavailable',
  FS_AVAILABLE: 'available',
  WARN_ENOSPC: 'enospc',
  WARN_ENOSPC_META: 'enospc-meta',
  DEVICE_REMOVED: 'device-removed',
  EVENTS_LOST: 'lost',
};

/**
 * Families a generic report joins when another source already reports a fault of that family for
 * the filesystem: a btrfs corruption counter that rose (FS_ERROR: counters cannot tell a repaired
 * block from a lost one) is the same fault as the kernel log's checksum error.
 */
const JOINS: Partial<Record<EventType, readonly string[]>> = { FS_ERROR: ['checksum'] };

/** Families that end each other: a fault of one closes an open fault of the other. */
const OPPOSITES: Readonly<Record<string, string>> = { unavailable: 'available', available: 'unavailable' };

const SEVERITY_RANK: Readonly<Record<Severity, number>> = { debug: 0, info: 1, notice: 2, warning: 3, error: 4, critical: 5 };

/** The family of a type, or undefined when events of that type are never folded. */
export function faultFamily(type: EventType): string | undefined {
  return FAMILIES[type];
}

/** Families an event of `type` from another source joins when one is open (see JOINS). */
export function joinableFamilies(type: EventType): readonly string[] {
  return JOINS[type] ?? [];
}

/** The family that a fault of `family` ends, if any. */
export function oppositeFamily(family: string): string | undefined {
  return OPPOSITES[family];
}

/** True when `a` is strictly more severe than `b` (a folded event takes the worst report's type). */
export function moreSevere(a: GatheredEvent, b: GatheredEvent): boolean {
  return SEVERITY_RANK[a.severity] > SEVERITY_RANK[b.severity];
}
