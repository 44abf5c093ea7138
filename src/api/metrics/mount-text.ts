/**
 * @module api/metrics/mount-text
 * The exposition text of the per-mount families, kept built (and UTF-8 encoded) between scrapes.
 * Each mount's lines are rebuilt only when its state changed (read-only, available, events,
 * statfs figures, threshold positions); a family's bytes are re-joined and re-encoded only when
 * one of its lines changed; and with nothing changed the same bytes are returned. A scrape
 * therefore costs a pass of cheap comparisons over the mounts instead of formatting and encoding
 * thousands of series (prom-client needs ≈ 25 ms for 7,000; shared/reference/performance-floors.md
 * item 7; encoding 1 MB of text alone costs milliseconds). Series of a mount that went away are
 * dropped; two mounts with the same device/fstype/mountpoint (stacked mounts) give one series, the
 * topmost, since duplicate series would make the whole scrape invalid.
 */
import type { MountState, SpaceSample, ThresholdLevels } from '../../collector/types.ts';
import { escapeLabelValue, extendLabelSet, familyHeader, formatValue } from './exposition.ts';
import { mountFamilies, type MountFamily } from './mount-families.ts';

/** How much the last render had to rebuild (for tests and the benchmark). */
export interface RenderStats {
  mounts: number;
  rebuiltMounts: number;
  removedMounts: number;
  rebuiltFamilies: number;
}

/** The inputs a mount's lines were built from; equal inputs give equal lines. */
interface Seen {
  readOnly: boolean;
  available: boolean;
  lastEventTime: string | undefined;
  eventTotal: number;
  space: SpaceSample | undefined;
  blocksPosition: ThresholdLevels['position'] | undefined;
  inodesPosition: ThresholdLevels['position'] | undefined;
}

interface CachedMount {
  /** The last render that saw this mount. */
  generation: number;
  seen: Seen;
  /** The mount's lines per family (index as in the family list), '' when it has none there. */
  lines: string[];
}

/** The escaped identity labels of a mount id, reused while its identity stays the same. */
interface IdentityLabels {
  mountpoint: string;
  device: string;
  fstype: string;
  labels: string;
  /** The last render that saw this mount id. */
  generation: number;
}

function eventTotal(counters: MountState['counters']): number {
  let total = 0;
  for (const key in counters) total += counters[key as keyof typeof counters] ?? 0;
  return total;
}

function sameSpace(a: SpaceSample | undefined, b: SpaceSample | undefined): boolean {
  if (!a || !b) return a === b;
  return a.sizeBytes === b.sizeBytes && a.availBytes === b.availBytes && a.freeBytes === b.freeBytes
    && a.inodes === b.inodes && a.inodesFree === b.inodesFree && a.timeToFullSeconds === b.timeToFullSeconds;
}

function seenOf(mount: MountState): Seen {
  return {
    readOnly: mount.readOnly,
    available: mount.available,
    lastEventTime: mount.lastEventTime,
    eventTotal: eventTotal(mount.counters),
    // A copy: a sample changed in place must still compare as changed.
    space: mount.space && { ...mount.space },
    blocksPosition: mount.thresholds?.blocks?.position,
    inodesPosition: mount.thresholds?.inodes?.position,
  };
}

// The statfs source hands out fresh objects at every sample, so figures are compared, not references.
function unchanged(seen: Seen, mount: MountState): boolean {
  return seen.readOnly === mount.readOnly && seen.available === mount.available && seen.lastEventTime === mount.lastEventTime
    && sameSpace(seen.space, mount.space) && seen.blocksPosition === mount.thresholds?.blocks?.position
    && seen.inodesPosition === mount.thresholds?.inodes?.position && seen.eventTotal === eventTotal(mount.counters);
}

/** The per-mount families' encoded text, cached across scrapes. */
export class MountExposition {
  readonly #families: readonly MountFamily[];
  readonly #headers: readonly string[];
  readonly #byLabels = new Map<string, CachedMount>();
  readonly #identities = new Map<number, IdentityLabels>();
  #generation = 0;
  /** Encoded text per family; undefined when it must be re-joined. */
  readonly #familyBytes: Array<Buffer | undefined>;
  #stats: RenderStats = { mounts: 0, rebuiltMounts: 0, removedMounts: 0, rebuiltFamilies: 0 };

  constructor(families: readonly MountFamily[] = mountFamilies) {
    this.#families = families;
    this.#headers = families.map((family) => familyHeader(family.name, family.help, family.type));
    this.#familyBytes = families.map(() => undefined);
  }

  /** What the last render rebuilt. */
  get stats(): RenderStats {
    return { ...this.#stats };
  }

  /**
   * The UTF-8 text for these mount states (in mount-table order; later ones sit on top), one
   * buffer per family: they are written to the socket as they are, since joining a megabyte into
   * a fresh buffer at every scrape costs more (page faults) than building it did. Walks
   * them topmost first, so that of stacked mounts with the same labels the first one seen wins;
   * each scrape is a generation, and what it did not see is dropped. No per-scrape maps: this runs
   * on every scrape over every mount.
   */
  render(mounts: readonly MountState[]): readonly Buffer[] {
    const generation = ++this.#generation;
    const stats: RenderStats = { mounts: 0, rebuiltMounts: 0, removedMounts: 0, rebuiltFamilies: 0 };
    for (let i = mounts.length - 1; i >= 0; i--) {
      const mount = mounts[i]!;
      const labels = this.#labelsOf(mount, generation);
      const cached = this.#byLabels.get(labels);
      if (cached?.generation === generation) continue;
      stats.mounts += 1;
      if (cached && unchanged(cached.seen, mount)) {
        cached.generation = generation;
        continue;
      }
      const lines = this.#families.map((family) => linesOf(family, labels, mount));
      this.#invalidate(cached?.lines, lines);
      this.#byLabels.set(labels, { generation, seen: seenOf(mount), lines });
      stats.rebuiltMounts += 1;
    }
    for (const [labels, cached] of this.#byLabels) {
      if (cached.generation === generation) continue;
      this.#byLabels.delete(labels);
      this.#invalidate(cached.lines, undefined);
      stats.removedMounts += 1;
    }
    for (const [mountId, identity] of this.#identities) if (identity.generation !== generation) this.#identities.delete(mountId);
    for (let index = 0; index < this.#families.length; index++) {
      if (this.#familyBytes[index] !== undefined) continue;
      let text = this.#headers[index]!;
      for (const cached of this.#byLabels.values()) text += cached.lines[index]!;
      this.#familyBytes[index] = Buffer.from(text, 'utf8');
      stats.rebuiltFamilies += 1;
    }
    this.#stats = stats;
    return [...(this.#familyBytes as Buffer[])];
  }

  /** The escaped label set of a mount, cached by mount id while its identity stays the same. */
  #labelsOf(mount: MountState, generation: number): string {
    let identity = this.#identities.get(mount.mountId);
    // A mount id is reused after an unmount: the cached labels hold only while the identity matches.
    if (!identity || identity.mountpoint !== mount.mountpoint || identity.device !== mount.device || identity.fstype !== mount.fstype) {
      const labels = `{device="${escapeLabelValue(mount.device)}",fstype="${escapeLabelValue(mount.fstype)}",mountpoint="${escapeLabelValue(mount.mountpoint)}"}`;
      identity = { mountpoint: mount.mountpoint, device: mount.device, fstype: mount.fstype, labels, generation };
      this.#identities.set(mount.mountId, identity);
    }
    identity.generation = generation;
    return identity.labels;
  }

  /** Marks the families whose lines differ between `before` and `after` (either may be absent). */
  #invalidate(before: readonly string[] | undefined, after: readonly string[] | undefined): void {
    for (let index = 0; index < this.#families.length; index++) {
      const old = before?.[index] ?? '';
      const now = after?.[index] ?? '';
      if (old === now) continue;
      this.#familyBytes[index] = undefined;
    }
  }
}

/** The lines of one family for one mount ('' when it has no sample there). */
function linesOf(family: MountFamily, labels: string, mount: MountState): string {
  let text = '';
  for (const [extra, value] of family.samples(mount)) text += `${family.name}${extendLabelSet(labels, extra)} ${formatValue(value)}\n`;
  return text;
}
