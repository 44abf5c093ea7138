/**
 * @module collector/sources/mountinfo
 * The mount table source. Keeps the shared MountTable current and reports MOUNT / UMOUNT / REMOUNT.
 * Changes are noticed when they happen: a native thread polls /proc/self/mountinfo for POLLPRI
 * (fs/proc_namespace.c mounts_poll), and each wake-up triggers one re-read. Error-driven flags
 * (ext4 emergency_ro / shutdown) raise no poll event, so the daemon calls refresh() when another
 * source reports trouble, and a slow safety-net re-read runs anyway. Without the addon, the
 * table is re-read at a short interval instead and health() says so.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { loadNative, type PriorityWatcher } from '../../../native/binding.ts';
import { StartupError } from '../../../errors.ts';
import { parseMountinfo } from '../../mounts/parse.ts';
import type { MountTableWriter, Refreshable, SharedState, Source, SourceContext } from '../../types.ts';
import { observationsFor } from './changes.ts';
import { IdentityResolver } from './identity.ts';

/** Config of `sources.mountinfo`. */
export const configSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'Watch the mount table.' }),
    safetyIntervalMs: Type.Integer({ minimum: 1000, default: 30_000, description: 'Re-read the table this often even without a poll event (catches emergency_ro/shutdown flags).' }),
    fallbackIntervalMs: Type.Integer({ minimum: 100, default: 2_000, description: 'Re-read interval when POLLPRI watching is unavailable.' }),
  },
  { additionalProperties: false },
);

/** Parsed `sources.mountinfo` config. */
export type MountinfoConfig = Static<typeof configSchema>;

/** Creates the mountinfo source. */
export function create(config: MountinfoConfig, shared: SharedState): Source & Refreshable {
  return new MountinfoSource(config, shared.mountTable);
}

class MountinfoSource implements Source, Refreshable {
  readonly name = 'mountinfo';
  readonly #config: MountinfoConfig;
  readonly #table: MountTableWriter;
  #ctx: SourceContext | undefined;
  #resolver: IdentityResolver | undefined;
  #watcher: PriorityWatcher | undefined;
  #timers: NodeJS.Timeout[] = [];
  #reading: Promise<void> | undefined;
  #dirty = false;
  #stopped = false;
  #detail: { mechanism: string; intervalMs: number } = { mechanism: 'none', intervalMs: 0 };
  /** The bytes of the last full reading (parsed and enriched), and when it was made (ms). */
  #lastBytes: Buffer | undefined;
  #lastFullAt = 0;

  constructor(config: MountinfoConfig, table: MountTableWriter) {
    this.#config = config;
    this.#table = table;
  }

  async start(ctx: SourceContext): Promise<void> {
    this.#ctx = ctx;
    this.#stopped = false;
    this.#resolver = new IdentityResolver(ctx.paths);
    const path = join(ctx.paths.proc, 'self/mountinfo');
    // The first reading only fills the table: mounts that already exist are not news.
    try {
      this.#table.replace(await this.#readTable(await readFile(path)));
    } catch (err) {
      throw new StartupError(`Cannot read ${path}: ${(err as Error).message}`, { cause: err });
    }
    const native = loadNative();
    let mechanism = 'pollpri';
    let intervalMs = this.#config.safetyIntervalMs;
    if (native.ok) {
      try {
        this.#watcher = native.native.watchPriority(path, () => this.refresh('pollpri'));
      } catch (err) {
        mechanism = `interval (POLLPRI watch failed: ${(err as Error).message})`;
      }
    } else {
      mechanism = `interval (${native.reason})`;
    }
    if (!this.#watcher) intervalMs = this.#config.fallbackIntervalMs;
    const timer = setInterval(() => this.refresh('interval'), intervalMs);
    timer.unref();
    this.#timers.push(timer);
    this.#detail = { mechanism, intervalMs };
    ctx.setHealth({ state: 'up', detail: { ...this.#detail, mounts: this.#table.all().length } });
  }

  refresh(reason: string): void {
    if (this.#stopped || !this.#ctx) return;
    this.#ctx.log.trace({ reason }, 'Mount table refresh requested');
    if (this.#reading) {
      this.#dirty = true; // one more pass after the current one, however many requests arrive
      return;
    }
    this.#reading = this.#rescan().finally(() => {
      this.#reading = undefined;
      if (this.#dirty) {
        this.#dirty = false;
        this.refresh('coalesced');
      }
    });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#watcher?.close();
    this.#watcher = undefined;
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
    await this.#reading;
  }

  async #rescan(): Promise<void> {
    const ctx = this.#ctx!;
    try {
      const bytes = await readFile(join(ctx.paths.proc, 'self/mountinfo'));
      // Most looks find the table as it was (a fault that set no flag, a mount elsewhere that
      // came and went): then there is nothing to parse. The safety re-read still does the whole
      // reading, which also picks up identity that came later (a /dev/disk/by-uuid link udev
      // made after the mount).
      if (this.#lastBytes?.equals(bytes) && ctx.now() - this.#lastFullAt < this.#config.safetyIntervalMs) return;
      const entries = await this.#readTable(bytes);
      if (this.#stopped) return;
      const changes = this.#table.replace(entries);
      for (const obs of observationsFor(changes, ctx.now())) ctx.emit(obs);
      if (changes.length > 0) ctx.setHealth({ detail: { ...this.#detail, mounts: entries.length } });
    } catch (err) {
      ctx.log.warn({ err }, 'Mount table re-read failed; keeping the previous table');
    }
  }

  async #readTable(bytes: Buffer) {
    const { entries, errors } = parseMountinfo(bytes);
    for (const error of errors) this.#ctx?.log.warn({ err: error }, 'Skipped a malformed mountinfo line');
    await this.#resolver!.enrich(entries);
    this.#lastBytes = bytes;
    this.#lastFullAt = this.#ctx!.now();
    return entries;
  }
}
