/**
 * @module collector/sources/mountinfo/changes
 * Pure translation of mount-table differences into observations: MOUNT, UMOUNT, REMOUNT (with the
 * options before and after), and the error states ext4 shows only in the super options after a
 * fault (`emergency_ro` → ERR_REMOUNT_RO, `shutdown` → FS_SHUTDOWN; see
 * shared/reference/observed-on-this-kernel.md: neither raises a poll event).
 */
import type { EventType } from '../../events.ts';
import type { MountChange, MountEntry, Observation } from '../../types.ts';
import { identityOf, isReadOnly } from '../../mounts/table.ts';

/** An observation without its source name (the running-source wrapper adds it). */
export type SourceObservation = Omit<Observation, 'source'>;

/** Super options that ext4 adds on its own when it stops a filesystem after an error. */
const ERROR_FLAGS: ReadonlyArray<readonly [flag: string, type: EventType]> = [
  ['emergency_ro', 'ERR_REMOUNT_RO'],
  ['shutdown', 'FS_SHUTDOWN'],
];

/** Observations for one batch of changes, in the order they should be published. */
export function observationsFor(changes: readonly MountChange[], time: number): SourceObservation[] {
  const out: SourceObservation[] = [];
  // Bind mounts share a superblock: report its error flags once, not once per mount.
  const flagged = new Set<string>();
  for (const change of changes) {
    if (change.kind === 'added') {
      out.push(observe('MOUNT', change.after, time, optionsOf(change.after)));
    } else if (change.kind === 'removed') {
      out.push(observe('UMOUNT', change.before, time, optionsOf(change.before)));
    } else {
      const { before, after } = change;
      out.push(
        observe('REMOUNT', after, time, {
          before: { ...optionsOf(before), readOnly: isReadOnly(before) },
          after: { ...optionsOf(after), readOnly: isReadOnly(after) },
        }),
      );
      for (const [flag, type] of ERROR_FLAGS) {
        const key = `${flag}@${after.major}:${after.minor}`;
        if (after.superOptions.includes(flag) && !before.superOptions.includes(flag) && !flagged.has(key)) {
          flagged.add(key);
          out.push({ type, time, mount: { devno: { major: after.major, minor: after.minor } }, data: { superOptions: after.superOptions } });
        }
      }
    }
  }
  return out;
}

function optionsOf(entry: MountEntry): { mountOptions: string[]; superOptions: string[] } {
  return { mountOptions: entry.mountOptions, superOptions: entry.superOptions };
}

function observe(type: EventType, entry: MountEntry, time: number, data: Record<string, unknown>): SourceObservation {
  return { type, time, identity: identityOf(entry), data: { root: entry.root, ...data } };
}
