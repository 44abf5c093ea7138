/**
 * @module collector/sources/sysfs
 * The sysfs counters source: ext4's errors_count / warning_count (ext4.ts) and btrfs's per-device
 * error_stats (btrfs.ts) of every mounted filesystem, read at a modest interval, when a mount
 * appears, and at once when the daemon asks (refresh(): another source reported an error). The
 * kernel keeps counting when its log is rate-limited or lost, so a rise between two readings is
 * reported even when nothing else said a word. The first reading of a filesystem is its baseline:
 * counts that already exist are not news, but they are shown in health detail.
 */
import { basename } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import type { MountChange, MountEntry, Refreshable, SharedState, Source, SourceContext } from '../../types.ts';
import { btrfsFinding } from './btrfs.ts';
import { increases, type Counters } from './counters.ts';
import { EXT4_COUNTER_FILES, EXT4_LAST_ERROR_FILES, EXT4_TYPES, ext4Finding } from './ext4.ts';
import { findBtrfsDir, readBtrfsCounters, readCounters, readFiles } from './read.ts';

/** Config of `sources.sysfs`. */
export const configSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'Watch ext4 and btrfs error counters in sysfs.' }),
    intervalMs: Type.Integer({ minimum: 500, default: 10_000, description: 'Read the counters this often (also read at once when another source reports an error, and when a filesystem is mounted).' }),
    followUpMs: Type.Integer({ minimum: 0, default: 1_000, description: 'After a refresh, read once more this much later: ext4 copies its error counters into the superblock, which sysfs shows, from a work item shortly after reporting the error. 0 turns it off.' }),
  },
  { additionalProperties: false },
);

/** Parsed `sources.sysfs` config. */
export type SysfsConfig = Static<typeof configSchema>;

/** Creates the sysfs source. */
export function create(config: SysfsConfig, _shared: SharedState): Source & Refreshable {
  return new SysfsSource(config);
}

/** One filesystem (superblock) being watched. */
interface Watched {
  kind: 'ext4' | 'btrfs';
  devno: { major: number; minor: number };
  mountpoint: string;
  fstype: string;
  /** The sysfs directory of its counters, once found. */
  dir?: string;
  /** First reading (not reported). */
  baseline?: Counters;
  current?: Counters;
  /** Why it cannot be read right now. */
  reason?: string;
}

class SysfsSource implements Source, Refreshable {
  readonly name = 'sysfs';
  readonly #config: SysfsConfig;
  readonly #watched = new Map<string, Watched>();
  #ctx: SourceContext | undefined;
  #timers: NodeJS.Timeout[] = [];
  #followUp: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;
  #scanning: Promise<void> | undefined;
  #dirty = false;
  #stopped = false;
  #readErrors = 0;

  constructor(config: SysfsConfig) {
    this.#config = config;
  }

  async start(ctx: SourceContext): Promise<void> {
    this.#ctx = ctx;
    this.#stopped = false;
    await this.#scan();
    const timer = setInterval(() => this.#request(), this.#config.intervalMs);
    timer.unref();
    this.#timers.push(timer);
    this.#unsubscribe = ctx.mounts.onChange((changes) => this.#mountsChanged(changes));
    ctx.setHealth({ state: 'up', detail: this.#detail() });
  }

  refresh(reason: string): void {
    if (this.#stopped || !this.#ctx) return;
    this.#ctx.log.trace({ reason }, 'sysfs counters refresh requested');
    // The daemon asks while it publishes the error that prompted it: start reading once the
    // subscribers after it have the event (opening the first file costs ~0.1 ms of this thread).
    setImmediate(() => this.#request());
    if (this.#config.followUpMs > 0 && !this.#followUp) {
      this.#followUp = setTimeout(() => {
        this.#followUp = undefined;
        this.#request();
      }, this.#config.followUpMs);
      this.#followUp.unref();
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
    clearTimeout(this.#followUp);
    this.#followUp = undefined;
    await this.#scanning;
  }

  /** A new mount gets its baseline at once; a superblock that went away (or was replaced: unmounted
   * and mounted again on the same device between two readings) is forgotten, so that another
   * filesystem's counters are never compared with its own. */
  #mountsChanged(changes: readonly MountChange[]): void {
    const added = new Set(changes.flatMap((c) => (c.kind === 'added' && watchedKind(c.after) ? [devnoKey(c.after)] : [])));
    for (const change of changes) {
      if (change.kind !== 'removed') continue;
      const key = devnoKey(change.before);
      if (added.has(key) || this.#ctx!.mounts.byDevno(change.before.major, change.before.minor).length === 0) this.#watched.delete(key);
    }
    if (added.size > 0) this.#request();
  }

  /** Starts a pass, or asks for one more after the current one (however many requests arrive). */
  #request(): void {
    if (this.#stopped) return;
    if (this.#scanning) {
      this.#dirty = true;
      return;
    }
    this.#scanning = this.#scan()
      .catch((err: unknown) => this.#ctx?.log.warn({ err }, 'sysfs counters pass failed'))
      .finally(() => {
        this.#scanning = undefined;
        if (this.#dirty) {
          this.#dirty = false;
          this.#request();
        }
      });
  }

  async #scan(): Promise<void> {
    const ctx = this.#ctx!;
    const live = new Set<string>();
    for (const entry of ctx.mounts.all()) {
      const kind = watchedKind(entry);
      if (!kind) continue;
      const key = devnoKey(entry);
      live.add(key);
      if (!this.#watched.has(key)) this.#watched.set(key, this.#newWatched(kind, key));
    }
    // Forget unmounted filesystems: the map stays bounded by the mount table.
    for (const key of this.#watched.keys()) if (!live.has(key)) this.#watched.delete(key);
    for (const watched of this.#watched.values()) {
      if (this.#stopped) return;
      await this.#read(watched);
    }
    ctx.setHealth({ detail: this.#detail() });
  }

  #newWatched(kind: 'ext4' | 'btrfs', key: string): Watched {
    const [major, minor] = key.split(':').map(Number) as [number, number];
    const primary = this.#ctx!.mounts.byDevno(major, minor)[0]!;
    return { kind, devno: { major, minor }, mountpoint: primary.mountpoint, fstype: primary.fstype };
  }

  async #read(watched: Watched): Promise<void> {
    const ctx = this.#ctx!;
    let counters: Counters;
    try {
      watched.dir ??= await this.#findDir(watched);
      if (!watched.dir) throw new Error(`no ${watched.kind} directory in ${ctx.paths.sys}/fs for ${watched.mountpoint}`);
      counters = watched.kind === 'ext4' ? await readCounters(watched.dir, EXT4_COUNTER_FILES) : await readBtrfsCounters(watched.dir);
    } catch (err) {
      if (watched.reason === undefined) this.#readErrors += 1;
      watched.reason = (err as Error).message;
      return;
    }
    delete watched.reason;
    // Unmounted, or replaced by a new superblock on the same device, while this read was pending.
    if (this.#watched.get(devnoKey(watched.devno)) !== watched) return;
    const previous = watched.current;
    if (!previous) watched.baseline = counters;
    watched.current = counters;
    if (!previous) return;
    for (const increase of increases(previous, counters)) {
      const finding =
        watched.kind === 'ext4'
          ? ext4Finding(increase, increase.counter === 'errors_count' ? await readFiles(watched.dir, EXT4_LAST_ERROR_FILES) : {})
          : btrfsFinding(increase, basename(watched.dir));
      if (finding && !this.#stopped) ctx.emit({ ...finding, time: ctx.now(), mount: { devno: watched.devno } });
    }
  }

  async #findDir(watched: Watched): Promise<string | undefined> {
    const sys = this.#ctx!.paths.sys;
    const entry = this.#ctx!.mounts.byDevno(watched.devno.major, watched.devno.minor)[0];
    const deviceName = entry?.kernelName ?? (entry?.device.startsWith('/dev/') ? basename(entry.device) : undefined);
    if (!deviceName) return undefined;
    // ext4 names its directory after sb->s_id, the kernel name of the block device.
    return watched.kind === 'ext4' ? `${sys}/fs/ext4/${deviceName}` : findBtrfsDir(sys, deviceName);
  }

  #detail(): Record<string, unknown> {
    return {
      intervalMs: this.#config.intervalMs,
      followUpMs: this.#config.followUpMs,
      readErrors: this.#readErrors,
      filesystems: [...this.#watched.values()].map(({ kind: _, devno: __, ...watched }) => watched),
    };
  }
}

function devnoKey(entry: { major: number; minor: number }): string {
  return `${entry.major}:${entry.minor}`;
}

/** Which counters a mount has, if any. */
function watchedKind(entry: MountEntry): 'ext4' | 'btrfs' | undefined {
  if (EXT4_TYPES.has(entry.fstype)) return 'ext4';
  return entry.fstype === 'btrfs' ? 'btrfs' : undefined;
}
