/**
 * @module collector/mounts/table
 * The current mount table: replaced whole by each mountinfo reading, diffed against the previous
 * one, and indexed for the gatherer's lookups. Bind mounts and several mounts of one superblock
 * share a devno; lookups by devno return all of them, primary first.
 */
import type { MountChange, MountEntry, MountIdentity, MountTableView } from '../types.ts';

/** Mutable mount table; only the mountinfo source calls replace(). */
export class MountTable implements MountTableView {
  #entries: MountEntry[] = [];
  #byId = new Map<number, MountEntry>();
  #byDevno = new Map<string, MountEntry[]>();
  #listeners = new Set<(changes: MountChange[]) => void>();

  all(): readonly MountEntry[] {
    return this.#entries;
  }

  byId(mountId: number): MountEntry | undefined {
    return this.#byId.get(mountId);
  }

  byDevno(major: number, minor: number): MountEntry[] {
    return this.#byDevno.get(`${major}:${minor}`) ?? [];
  }

  byDeviceName(name: string): MountEntry[] {
    const kernelName = name.startsWith('/dev/') ? name.slice(5) : name;
    const match = this.#entries.find((e) => e.kernelName === kernelName || e.device === name || e.device === `/dev/${kernelName}`);
    return match ? this.byDevno(match.major, match.minor) : [];
  }

  byPath(path: string): MountEntry | undefined {
    let best: MountEntry | undefined;
    for (const entry of this.#entries) {
      if (!isWithin(path, entry.mountpoint)) continue;
      // Later entries sit on top of earlier ones at the same mount point, so >= prefers them.
      if (!best || entry.mountpoint.length >= best.mountpoint.length) best = entry;
    }
    return best;
  }

  onChange(listener: (changes: MountChange[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Installs a new reading and returns what changed (also told to onChange listeners). */
  replace(entries: MountEntry[]): MountChange[] {
    const changes = diffMounts(this.#byId, entries);
    this.#entries = entries;
    this.#byId = new Map(entries.map((e) => [e.mountId, e]));
    this.#byDevno = indexByDevno(entries);
    if (changes.length > 0) for (const listener of this.#listeners) listener(changes);
    return changes;
  }
}

/** Differences between the previous table (by id) and a new reading. */
export function diffMounts(previous: ReadonlyMap<number, MountEntry>, next: readonly MountEntry[]): MountChange[] {
  const changes: MountChange[] = [];
  const seen = new Set<number>();
  for (const after of next) {
    seen.add(after.mountId);
    const before = previous.get(after.mountId);
    if (!before) {
      changes.push({ kind: 'added', after });
    } else if (!sameMount(before, after)) {
      // The kernel reuses mount ids: a different mount under an old id is a removal plus an addition.
      changes.push({ kind: 'removed', before }, { kind: 'added', after });
    } else if (!sameOptions(before, after)) {
      changes.push({ kind: 'changed', before, after });
    }
  }
  for (const [id, before] of previous) if (!seen.has(id)) changes.push({ kind: 'removed', before });
  return changes;
}

function sameMount(a: MountEntry, b: MountEntry): boolean {
  return a.major === b.major && a.minor === b.minor && a.mountpoint === b.mountpoint && a.root === b.root && a.fstype === b.fstype;
}

function sameOptions(a: MountEntry, b: MountEntry): boolean {
  return a.mountOptions.join(',') === b.mountOptions.join(',') && a.superOptions.join(',') === b.superOptions.join(',');
}

function indexByDevno(entries: readonly MountEntry[]): Map<string, MountEntry[]> {
  const index = new Map<string, MountEntry[]>();
  for (const entry of entries) {
    const key = `${entry.major}:${entry.minor}`;
    const list = index.get(key);
    if (list) list.push(entry);
    else index.set(key, [entry]);
  }
  for (const list of index.values()) list.sort(primaryFirst);
  return index;
}

/** The mount of the filesystem's root comes first, then the shortest mount point. */
function primaryFirst(a: MountEntry, b: MountEntry): number {
  const rootA = a.root === '/' ? 0 : 1;
  const rootB = b.root === '/' ? 0 : 1;
  return rootA - rootB || a.mountpoint.length - b.mountpoint.length || a.mountId - b.mountId;
}

function isWithin(path: string, mountpoint: string): boolean {
  if (mountpoint === '/') return path.startsWith('/');
  return path === mountpoint || path.startsWith(`${mountpoint}/`);
}

/** True when the mount is read-only per mount or superblock, including ext4's error-driven flag. */
export function isReadOnly(entry: MountEntry): boolean {
  return entry.mountOptions.includes('ro') || entry.superOptions.includes('ro') || entry.superOptions.includes('emergency_ro');
}

/** The identity fields of a mount entry. */
export function identityOf(entry: MountEntry): MountIdentity {
  const identity: MountIdentity = {
    mountpoint: entry.mountpoint,
    device: entry.device,
    fstype: entry.fstype,
    major: entry.major,
    minor: entry.minor,
    mountId: entry.mountId,
  };
  if (entry.uuid) identity.uuid = entry.uuid;
  return identity;
}
