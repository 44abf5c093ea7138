/**
 * @module collector/sources/fanotify/marks
 * Which superblocks carry a FAN_FS_ERROR mark, and which fsid belongs to which. A fanotify
 * filesystem mark belongs to the superblock, so each device number is marked once, through its
 * primary mount, when it first appears (and again when its mounts all went away and came back:
 * a new superblock). The fsid is learnt at the same moment, by the marking thread (statfs of the
 * path), so events are mapped to a mount without ever touching a failing filesystem. A request
 * that gets no answer within the timeout (a hung FUSE server) is reported, not waited for; it
 * stops counting against the in-flight limit, and a late answer is still applied.
 */
import type { FsErrorMarkResult } from '../../../native/binding.ts';
import { encodeBytes } from '../../../util/bytes.ts';
import type { MountChange, MountTableView } from '../../types.ts';
import { fsidToString } from './decode.ts';

/** Types never marked, with the reason reported for them. */
const NEVER_MARKED: Record<string, string> = {
  autofs: 'automount point: looking it up would trigger the mount',
  ...Object.fromEntries(
    ['nfs', 'nfs4', 'cifs', 'smb3', 'smbfs', 'ceph', '9p', 'afs', 'lustre'].map((type) => [
      type,
      'network filesystem: a mark asks the server (which may hang) and network filesystems report no FAN_FS_ERROR',
    ]),
  ),
};

/** What a failed mark means, per errno (fs/notify/fanotify/fanotify_user.c fanotify_test_fsid/fid). */
const MARK_ERRORS: Record<string, string> = {
  ENODEV: 'the filesystem has no fsid (statfs f_fsid is 0), so fanotify cannot report it',
  EXDEV: 'the mount is a subvolume whose fsid differs from its filesystem root',
  EOPNOTSUPP: 'the filesystem cannot encode file handles',
  EINVAL: 'the kernel has no FAN_FS_ERROR (Linux < 5.16)',
};

/** How one superblock stands. */
export interface SuperblockMark {
  mountpoint: string;
  fstype: string;
  state: 'queued' | 'marking' | 'marked' | 'not-marked' | 'no-answer';
  fsid?: string;
  /** Why it is not marked (yet). */
  reason?: string;
}

/** What the book needs from its source. */
export interface MarkBookOptions {
  mounts: MountTableView;
  /** Sends a mark request (FsErrorWatcher.mark). */
  request(id: number, path: Buffer): void;
  timeoutMs: number;
  maxInFlight: number;
  /** Called after every state change (to refresh health). */
  changed(): void;
}

/** A superblock's device number. */
export interface Devno {
  major: number;
  minor: number;
}

interface Request {
  key: string;
  timer: NodeJS.Timeout;
  timedOut: boolean;
}

/** The marks of one fanotify group. Bounded by the superblocks currently mounted. */
export class MarkBook {
  readonly #options: MarkBookOptions;
  readonly #superblocks = new Map<string, SuperblockMark & { requestId?: number }>();
  /** fsid → the superblocks that have it, by devno key. */
  readonly #fsids = new Map<string, Map<string, Devno>>();
  /** fsid → its superblock, for the fsids only one marked superblock has: one lookup per event. */
  readonly #sole = new Map<string, Readonly<Devno>>();
  readonly #requests = new Map<number, Request>();
  #queue: string[] = [];
  #nextId = 1;
  #inFlight = 0;

  constructor(options: MarkBookOptions) {
    this.#options = options;
  }

  /** Plans marks for the mount table as it is now (changes = undefined) or after `changes`. */
  update(changes?: readonly MountChange[]): void {
    const renewed = new Set<string>();
    for (const change of changes ?? []) if (change.kind === 'removed') renewed.add(devnoKey(change.before));
    for (const key of renewed) {
      const primary = this.#mountsOf(key)[0];
      const sb = this.#superblocks.get(key);
      if (!primary) this.#forget(key);
      else if (sb) sb.mountpoint = primary.mountpoint; // the mount it was reached through may be gone
    }
    const added = changes ? changes.flatMap((c) => (c.kind === 'added' ? [devnoKey(c.after)] : [])) : this.#options.mounts.all().map(devnoKey);
    // A devno that lost a mount and gained one in the same reading may be a new superblock.
    for (const key of new Set(added)) if (!this.#superblocks.has(key) || renewed.has(key)) this.#plan(key);
    this.#pump();
    this.#options.changed();
  }

  /** Applies the outcome of a mark request. */
  settle(result: FsErrorMarkResult): void {
    const request = this.#requests.get(result.id);
    if (!request) return;
    this.#requests.delete(result.id);
    clearTimeout(request.timer);
    if (!request.timedOut) this.#inFlight -= 1;
    const sb = this.#superblocks.get(request.key);
    if (sb && sb.requestId === result.id) this.#apply(request.key, sb, result);
    this.#pump();
    this.#options.changed();
  }

  /** Device numbers of the marked superblocks with this fsid (one, unless a clone shares it). */
  devnosOf(fsid: string): Devno[] {
    const devnos = this.#fsids.get(fsid);
    return devnos ? [...devnos.values()] : [];
  }

  /** The device number of the one marked superblock with this fsid; undefined when none or several have it. */
  soleDevnoOf(fsid: string): Readonly<Devno> | undefined {
    return this.#sole.get(fsid);
  }

  /** Every known superblock, for health. */
  superblocks(): SuperblockMark[] {
    return [...this.#superblocks.values()].map(({ requestId: _, ...sb }) => sb);
  }

  /** Requests that never answered within the timeout and are still outstanding. */
  get stuck(): number {
    return this.#requests.size - this.#inFlight;
  }

  /** Requests waiting for an answer within their timeout. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Stops the timers; results arriving later are ignored. */
  close(): void {
    for (const request of this.#requests.values()) clearTimeout(request.timer);
    this.#requests.clear();
    this.#queue = [];
  }

  #mountsOf(key: string) {
    const [major, minor] = key.split(':').map(Number) as [number, number];
    return this.#options.mounts.byDevno(major, minor);
  }

  #plan(key: string): void {
    this.#forget(key);
    const primary = this.#mountsOf(key)[0];
    if (!primary) return;
    const never = NEVER_MARKED[primary.fstype];
    const base = { mountpoint: primary.mountpoint, fstype: primary.fstype };
    if (never) {
      this.#superblocks.set(key, { ...base, state: 'not-marked', reason: never });
      return;
    }
    this.#superblocks.set(key, { ...base, state: 'queued' });
    this.#queue.push(key);
  }

  #forget(key: string): void {
    const sb = this.#superblocks.get(key);
    if (sb?.fsid) {
      this.#fsids.get(sb.fsid)?.delete(key);
      if (this.#fsids.get(sb.fsid)?.size === 0) this.#fsids.delete(sb.fsid);
      this.#updateSole(sb.fsid);
    }
    this.#superblocks.delete(key);
    this.#queue = this.#queue.filter((k) => k !== key);
  }

  #pump(): void {
    while (this.#inFlight < this.#options.maxInFlight && this.#queue.length > 0) {
      const key = this.#queue.shift()!;
      const sb = this.#superblocks.get(key);
      if (!sb) continue;
      const id = this.#nextId++;
      sb.state = 'marking';
      sb.requestId = id;
      const timer = setTimeout(() => this.#timedOut(id), this.#options.timeoutMs);
      timer.unref();
      this.#requests.set(id, { key, timer, timedOut: false });
      this.#inFlight += 1;
      try {
        this.#options.request(id, encodeBytes(sb.mountpoint));
      } catch (err) {
        // No thread was started (out of threads or memory): nothing will answer this one.
        clearTimeout(timer);
        this.#requests.delete(id);
        this.#inFlight -= 1;
        delete sb.requestId;
        sb.state = 'not-marked';
        sb.reason = `mark request failed: ${(err as Error).message}`;
      }
    }
  }

  #timedOut(id: number): void {
    const request = this.#requests.get(id);
    if (!request || request.timedOut) return;
    request.timedOut = true;
    this.#inFlight -= 1;
    const sb = this.#superblocks.get(request.key);
    if (sb && sb.requestId === id) {
      sb.state = 'no-answer';
      sb.reason = `no answer within ${this.#options.timeoutMs} ms (the filesystem may be hung); still waiting`;
    }
    this.#pump();
    this.#options.changed();
  }

  #apply(key: string, sb: SuperblockMark & { requestId?: number }, result: FsErrorMarkResult): void {
    delete sb.requestId;
    if (result.error) {
      sb.state = 'not-marked';
      const meaning = MARK_ERRORS[result.error.code];
      sb.reason = `${result.error.syscall}: ${result.error.code}${meaning ? ` (${meaning})` : ` (${result.error.message})`}`;
      return;
    }
    const dev = result.dev ? `${result.dev.major}:${result.dev.minor}` : '';
    if (dev !== key) {
      // The path now leads elsewhere (overmounted or remounted meanwhile): that superblock got
      // the mark, but this one did not, and its fsid must not be taken for this one's.
      sb.state = 'not-marked';
      sb.reason = `the mount point now leads to another filesystem (${dev || 'unknown device'})`;
      return;
    }
    sb.state = 'marked';
    delete sb.reason;
    sb.fsid = fsidToString(result.fsid[0], result.fsid[1]);
    const devnos = this.#fsids.get(sb.fsid) ?? new Map<string, Devno>();
    // Frozen: events carry this very object as their mount reference (no copy per event).
    devnos.set(key, Object.freeze({ major: result.dev!.major, minor: result.dev!.minor }));
    this.#fsids.set(sb.fsid, devnos);
    this.#updateSole(sb.fsid);
  }

  #updateSole(fsid: string): void {
    const devnos = this.#fsids.get(fsid);
    const [only, ...others] = devnos?.values() ?? [];
    if (only && others.length === 0) this.#sole.set(fsid, only);
    else this.#sole.delete(fsid);
  }
}

function devnoKey(entry: { major: number; minor: number }): string {
  return `${entry.major}:${entry.minor}`;
}
