/**
 * @module collector/sources/fsevent/resync
 * After lost fs_event messages, fsevd no longer knows which kernel-evaluated levels were crossed.
 * The kernel cannot be asked (its config file shows levels, not state), but writing an entry's
 * `T L1 L2` again resets its state bits and re-arms both levels (fs-event-protocol.md §4), so the
 * next allocation reports where the filesystem stands. Only the entries the kernel accepted are
 * written again, through the same write-through as configuration changes (thresholds/kernel.ts).
 */
import { toRequestLines } from '../../thresholds/config.ts';
import { kernelConfigPath, writeThrough, type KernelWriteResult } from '../../thresholds/kernel.ts';
import type { LevelBasis } from '../../thresholds/levels.ts';
import { parseRequests, type ThresholdRequest } from '../../thresholds/syntax.ts';
import type { MountTableView, SpaceStore, ThresholdConfigView } from '../../types.ts';

/** Writes the block levels of kernel-managed entries again; undefined when there are none. */
export async function rearmKernelThresholds(sys: string, thresholds: ThresholdConfigView, mounts: MountTableView, space: SpaceStore | undefined): Promise<KernelWriteResult | undefined> {
  const lines = toRequestLines(thresholds.current());
  if (lines.length === 0) return undefined;
  const requests = parseRequests(lines.join(';')).filter(
    (r): r is Extract<ThresholdRequest, { op: 'add' }> => r.op === 'add' && r.blocks !== undefined && thresholds.kernelManaged(r.mount),
  );
  if (requests.length === 0) return undefined;
  // Only the T part: G is additive and already on; inode levels never reach the kernel.
  const levelsOnly = requests.map((r) => ({ op: 'add' as const, mount: r.mount, generic: false, blocks: r.blocks }));
  return writeThrough(kernelConfigPath(sys), levelsOnly, (mount) => basisOf(mount, mounts, space));
}

/** Block size and size of the mounted filesystem, to turn % and size levels into blocks. */
function basisOf(mount: string, mounts: MountTableView, space: SpaceStore | undefined): LevelBasis | undefined {
  const entry = mounts.all().find((m) => m.mountpoint === mount);
  const sample = entry && space?.get(entry.major, entry.minor)?.space;
  if (!sample?.blockBytes || sample.sizeBytes === 0) return undefined;
  return { unitBytes: sample.blockBytes, total: sample.sizeBytes };
}
