/**
 * @module collector/gatherer
 * Maps each observation to the mount(s) it concerns and adds their identity. An observation that
 * names a superblock (devno, kernel device name, path, sector, server) concerns every mount of it (bind
 * mounts included): the event carries the primary mount's identity and lists the first others in
 * `data.alsoMountedAt` (with `data.alsoMountedCount` saying how many there are), and the state of
 * all of them is updated. An observation that carries a
 * full identity (the mount table's own MOUNT/UMOUNT/REMOUNT) concerns that one mount.
 */
import { isoTime } from '../util/iso-time.ts';
import { eventSpec } from './events.ts';
import type { FsEvent, MountEntry, MountIdentity, MountRef, MountTableView, Observation } from './types.ts';
import { mountsOfNetworkRef, mountsOnLowerDevice } from './mounts/match.ts';

/**
 * Most other mount points an event lists in `data.alsoMountedAt`: a filesystem bind-mounted a
 * thousand times (container runtimes do that) would otherwise put every path into each of its
 * events, in the journal, on every stream and in every hook's input.
 */
export const ALSO_MOUNTED_AT_MAX = 16;

/** An event before the pipeline gives it a sequence number and node name. */
export type GatheredEvent = Omit<FsEvent, 'seq' | 'node'>;

/** The gatherer's output: the event and the ids of the mounts whose state it changes. */
export interface Gathered {
  event: GatheredEvent;
  mountIds: number[];
}

/** Resolves observations against the mount table. */
export class Gatherer {
  readonly #mounts: MountTableView;

  constructor(mounts: MountTableView) {
    this.#mounts = mounts;
  }

  /** Builds the event for an observation. */
  gather(obs: Observation): Gathered {
    const spec = eventSpec(obs.type);
    const base: GatheredEvent = {
      time: isoTime(obs.time),
      type: obs.type,
      code: spec.code,
      class: spec.class,
      severity: obs.severity ?? spec.severity,
      transient: spec.transient,
      sources: [obs.source],
      count: 1,
      data: obs.data,
    };
    if (obs.identity) return { event: withIdentity(base, obs.identity), mountIds: [obs.identity.mountId] };
    if (!obs.mount) return { event: base, mountIds: [] };
    const mounts = this.resolve(obs.mount);
    const primary = mounts[0];
    if (!primary) return { event: { ...base, data: { ...obs.data, unresolvedMount: obs.mount } }, mountIds: [] };
    const event = withIdentity(base, primary);
    if (mounts.length > 1) event.data = { ...event.data, ...alsoMounted(mounts.slice(1)) };
    return { event, mountIds: mounts.map((m) => m.mountId) };
  }

  /** All mounts a reference concerns (its superblock; several for a disk's partitions or a server's exports), primary first; empty when unknown. */
  resolve(ref: MountRef): MountEntry[] {
    if (ref.mountId !== undefined) {
      const entry = this.#mounts.byId(ref.mountId);
      if (entry) return this.#mounts.byDevno(entry.major, entry.minor);
    }
    if (ref.devno) {
      const mounts = this.#mounts.byDevno(ref.devno.major, ref.devno.minor);
      if (mounts.length > 0) return mounts;
    }
    if (ref.deviceName) {
      const mounts = this.#mounts.byDeviceName(ref.deviceName);
      if (mounts.length > 0) return mounts;
      // A disk under the mounted partition, or a member of a dm/md device ("I/O error, dev sda").
      const above = this.#superblocksOf(mountsOnLowerDevice(this.#mounts.all(), ref.deviceName, ref.sector));
      if (above.length > 0) return above;
    }
    if (ref.fstype) {
      const mounts = this.#superblocksOf(mountsOfNetworkRef(this.#mounts.all(), ref));
      if (mounts.length > 0) return mounts;
    }
    if (ref.path) {
      const entry = this.#mounts.byPath(ref.path);
      if (entry) return this.#mounts.byDevno(entry.major, entry.minor);
    }
    return [];
  }

  /** Every mount of the superblocks of `entries`, each superblock's primary first. */
  #superblocksOf(entries: readonly MountEntry[]): MountEntry[] {
    const seen = new Set<string>();
    const out: MountEntry[] = [];
    for (const entry of entries) {
      const devno = `${entry.major}:${entry.minor}`;
      if (seen.has(devno)) continue;
      seen.add(devno);
      out.push(...this.#mounts.byDevno(entry.major, entry.minor));
    }
    return out;
  }
}

/** The other mounts' paths, the first ALSO_MOUNTED_AT_MAX of them, and how many there are. */
function alsoMounted(others: readonly MountEntry[]): { alsoMountedAt: string[]; alsoMountedCount: number } {
  return { alsoMountedAt: others.slice(0, ALSO_MOUNTED_AT_MAX).map((m) => m.mountpoint), alsoMountedCount: others.length };
}

/**
 * Adds the mount's identity (a MountIdentity or the MountEntry itself, read in place) to a fresh
 * event (gather() builds it; nothing else holds it). Field by field on purpose: an object spread
 * here was the pipeline's largest single cost in a profile.
 */
function withIdentity(event: GatheredEvent, identity: MountIdentity): GatheredEvent {
  event.mountpoint = identity.mountpoint;
  event.device = identity.device;
  event.fstype = identity.fstype;
  event.major = identity.major;
  event.minor = identity.minor;
  event.mountId = identity.mountId;
  // Truthy, as identityOf() has it: an empty uuid is no uuid.
  if (identity.uuid) event.uuid = identity.uuid;
  return event;
}
