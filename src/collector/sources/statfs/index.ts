/**
 * @module collector/sources/statfs
 * Space sampling and availability probes. Every filesystem (superblock) that is not a pseudo
 * filesystem is sampled with statfs through the native pool (prober.ts): never on the event loop
 * or libuv's pool, one call at a time per filesystem, with a deadline after which the mount is
 * FS_UNAVAILABLE. Each answer updates the per-filesystem record in the shared SpaceStore (read by
 * the mount state; one sample is not an event) and may yield THR_* crossings, WARN_ENOSPC and
 * FS_AVAILABLE / FS_UNAVAILABLE (filesystem.ts). When the next sample is due adapts to how close
 * each filesystem is to a level (scheduler.ts).
 */
import { loadNative } from '../../../native/binding.ts';
import { StartupError } from '../../../errors.ts';
import { encodeBytes } from '../../../util/bytes.ts';
import { optional } from '../../../util/optional.ts';
import type { MountEntry, SharedState, Source, SourceContext, SpaceStore, ThresholdConfigView } from '../../types.ts';
import { errnoName, outcomeOfErrno } from './availability.ts';
import { settingsFor } from './classify.ts';
import { SamplingBudget } from './budget.ts';
import { FilesystemMonitor, type Emitted, type ThresholdSpec } from './filesystem.ts';
import { Prober } from './prober.ts';
import type { StatfsConfig } from './schema.ts';

export { configSchema, type StatfsConfig } from './schema.ts';

/** Index of the mount id in a native statfs result. */
const MOUNT_ID = 9;
/** Samples due within this fraction of their interval are taken together (fewer wake-ups). */
const BATCH_FRACTION = 0.1;
const MAX_BATCH_SLACK_MS = 500;

/** Creates the statfs source. */
export function create(config: StatfsConfig, shared: SharedState): Source {
  return new StatfsSource(config, shared.space ?? DISCARD, shared.thresholds);
}

/** Where records go when the daemon keeps none (bare tests). */
const DISCARD: SpaceStore = { get: () => undefined, set: () => undefined, delete: () => undefined };

interface Target {
  monitor: FilesystemMonitor;
  /** Mounts of the superblock, primary first. */
  mounts: MountEntry[];
  /** Which mount's path is sampled (another one if this one is covered by a later mount). */
  pathIndex: number;
  /** That path's bytes as last encoded (a thousand idle filesystems are not re-encoded each second). */
  encoded?: { path: string; bytes: Buffer };
}

class StatfsSource implements Source {
  readonly name = 'statfs';
  readonly #config: StatfsConfig;
  readonly #store: SpaceStore;
  readonly #thresholds: ThresholdConfigView | undefined;
  readonly #targets = new Map<string, Target>();
  #ctx: SourceContext | undefined;
  #prober: Prober | undefined;
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;
  #unsubscribe: Array<() => void> = [];
  #healthKey = '';
  /** Threads or filesystems may have changed since the health detail was last checked. */
  #healthStale = true;
  readonly #budget: SamplingBudget;

  constructor(config: StatfsConfig, store: SpaceStore, thresholds: ThresholdConfigView | undefined) {
    this.#config = config;
    this.#budget = new SamplingBudget(config.maxSamplesPerSecond);
    this.#store = store;
    this.#thresholds = thresholds;
  }

  async start(ctx: SourceContext): Promise<void> {
    const native = loadNative();
    if (!native.ok) throw new StartupError(native.reason);
    const createPool = native.native.createStatfsPool;
    if (typeof createPool !== 'function') throw new StartupError('native addon lacks createStatfsPool (stale build: npm run install)');
    this.#ctx = ctx;
    this.#prober = new Prober((onResult) => createPool(this.#config.threads, onResult), {
      answer: (key, errno, values, late) => this.#answered(key, errno, values, late),
      timeout: (key) => this.#timedOut(key),
    });
    this.#unsubscribe.push(ctx.mounts.onChange(() => this.#refreshTargets()));
    if (this.#thresholds) this.#unsubscribe.push(this.#thresholds.onChange(() => this.#refreshSpecs()));
    this.#refreshTargets();
    this.#tick();
    ctx.setHealth({ state: 'up', detail: this.#detail() });
  }

  async stop(): Promise<void> {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#unsubscribe = [];
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
    this.#prober?.close();
    this.#prober = undefined;
    for (const target of this.#targets.values()) this.#store.delete(target.monitor.major, target.monitor.minor);
    this.#targets.clear();
  }

  /** Rebuilds the set of sampled superblocks from the mount table; keeps the state of those that stay. */
  #refreshTargets(): void {
    const ctx = this.#ctx!;
    const now = ctx.now();
    const seen = new Set<string>();
    for (const entry of ctx.mounts.all()) {
      const key = `${entry.major}:${entry.minor}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const mounts = ctx.mounts.byDevno(entry.major, entry.minor);
      const primary = mounts[0] ?? entry;
      const configured = mounts.find((m) => this.#config.mounts[m.mountpoint]) ?? primary;
      const settings = settingsFor(this.#config, primary.fstype, configured.mountpoint);
      const existing = this.#targets.get(key);
      if (!settings.enabled) {
        if (existing) this.#forget(key, existing);
        continue;
      }
      if (existing) {
        existing.mounts = mounts;
        existing.monitor.settings = settings;
      } else {
        const monitor = new FilesystemMonitor(entry.major, entry.minor, settings, now);
        this.#targets.set(key, { monitor, mounts, pathIndex: 0 });
        this.#store.set(entry.major, entry.minor, () => monitor.record());
      }
    }
    for (const [key, target] of this.#targets) if (!seen.has(key)) this.#forget(key, target);
    this.#refreshSpecs();
    this.#healthStale = true;
    this.#arm(now);
  }

  #forget(key: string, target: Target): void {
    this.#targets.delete(key);
    this.#store.delete(target.monitor.major, target.monitor.minor);
  }

  #refreshSpecs(): void {
    for (const target of this.#targets.values()) target.monitor.thresholds = this.#specFor(target.mounts);
  }

  /** The levels of a filesystem: its entry (any of its mount points), else the defaults if it is writable. */
  #specFor(mounts: readonly MountEntry[]): ThresholdSpec | undefined {
    if (!this.#thresholds) return undefined;
    const config = this.#thresholds.current();
    const entry = config.entries.find((e) => mounts.some((m) => m.mountpoint === e.mount));
    if (entry) {
      const kernel = entry.blocks !== undefined && this.#thresholds.kernelManaged(entry.mount);
      return { origin: 'entry', entry: entry.mount, ...pairs(entry), generation: entry.generation, kernel };
    }
    const writable = !mounts[0]?.superOptions.includes('ro');
    const { defaults } = config;
    if (!writable || (!defaults.blocks && !defaults.inodes)) return undefined;
    return { origin: 'default', ...pairs(defaults), generation: defaults.generation, kernel: false };
  }

  #tick(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const prober = this.#prober;
    if (!prober) return;
    const now = this.#ctx!.now();
    let next = prober.sweep(now);
    for (const [key, target] of this.#targets) {
      if (prober.busy(key)) continue;
      const { monitor } = target;
      const slack = Math.min(monitor.intervalMs * BATCH_FRACTION, MAX_BATCH_SLACK_MS);
      if (monitor.dueAt <= now + slack) {
        if (monitor.limited && !this.#budget.admit(now)) {
          next = Math.min(next, this.#budget.nextAdmission(now));
          continue;
        }
        if (prober.submit(key, pathBytes(target), monitor.settings.timeoutMs, now)) {
          monitor.started(now);
          continue;
        }
      }
      next = Math.min(next, monitor.dueAt);
    }
    prober.flush();
    this.#arm(next);
    if (this.#healthStale) this.#updateHealth();
  }

  /** Makes sure the loop wakes up by `at` (ms, wall clock). */
  #arm(at: number): void {
    if (!this.#prober || at >= this.#timerAt) return;
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => this.#tick(), Math.max(0, at - this.#ctx!.now()));
    this.#timer.unref();
  }

  #answered(key: string, errno: number, values: number[] | undefined, late: boolean): void {
    const target = this.#targets.get(key);
    if (!target) return;
    const ctx = this.#ctx!;
    const now = ctx.now();
    const { monitor } = target;
    const damping = this.#config.damping;
    let out: Emitted[] = [];
    if (errno === 0 && values) {
      const mountId = values[MOUNT_ID]!;
      if (mountId >= 0 && !target.mounts.some((m) => m.mountId === mountId)) {
        // Another filesystem is mounted on top of this path: sample through another of its mounts.
        target.pathIndex = (target.pathIndex + 1) % target.mounts.length;
        monitor.unprobeable('covered by another mount', now);
      } else {
        out = monitor.answered(values, now, damping, this.#config.maxFillRateBytesPerSecond);
        monitor.limitIdle(this.#budget.floor(now, this.#targets.values()), this.#budget.gridMs, now);
      }
    } else {
      const outcome = outcomeOfErrno(errno);
      if (outcome) out = monitor.failed(outcome, now, damping, false);
      else monitor.unprobeable(errnoName(errno), now);
    }
    if (late) this.#healthStale = true;
    if (late) ctx.log.info({ mount: target.mounts[0]?.mountpoint, errno: errno ? errnoName(errno) : undefined }, 'A statfs call that had timed out returned');
    this.#publish(out);
    this.#arm(monitor.dueAt);
  }

  #timedOut(key: string): void {
    const target = this.#targets.get(key);
    if (!target) return;
    const { monitor } = target;
    const reason = `probe timeout (no answer within ${monitor.settings.timeoutMs} ms)`;
    this.#healthStale = true;
    this.#publish(monitor.failed({ ok: false, kind: 'transient', reason }, this.#ctx!.now(), this.#config.damping, true));
  }

  #publish(observations: readonly Emitted[]): void {
    for (const obs of observations) this.#ctx!.emit(obs);
  }

  #detail() {
    return { filesystems: this.#targets.size, ...this.#prober?.stats() };
  }

  /** Health detail changes only when threads hang or filesystems come and go: report those, not every tick. */
  #updateHealth(): void {
    this.#healthStale = false;
    const detail = this.#detail();
    const key = `${detail.filesystems}/${detail.threads}/${detail.abandoned}/${detail.hung}`;
    if (key === this.#healthKey) return;
    this.#healthKey = key;
    this.#ctx?.setHealth({ detail });
  }
}

/** The raw bytes of the path a target is sampled through. */
function pathBytes(target: Target): Buffer {
  const path = (target.mounts[target.pathIndex] ?? target.mounts[0])!.mountpoint;
  if (target.encoded?.path !== path) target.encoded = { path, bytes: encodeBytes(path) };
  return target.encoded.bytes;
}

function pairs(from: { blocks?: ThresholdSpec['blocks']; inodes?: ThresholdSpec['inodes'] }): Pick<ThresholdSpec, 'blocks' | 'inodes'> {
  return { ...optional('blocks', from.blocks), ...optional('inodes', from.inodes) };
}
