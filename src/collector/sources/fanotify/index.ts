/**
 * @module collector/sources/fanotify
 * The fanotify FAN_FS_ERROR source: kernel-reported filesystem errors with their errno, as soon as
 * the kernel reports them (ext4 only on 6.x; XFS and iomap filesystems from 7.0). The native addon
 * owns the group: a thread blocks in read() and hands the bytes over (decode.ts decodes them), and
 * marks are placed from threads of their own, so neither the event loop nor libuv's pool ever
 * waits on the kernel or on a hung mount. Every superblock is marked when it first appears
 * (marks.ts), which is also when its fsid is learnt: an event names an fsid, and the source
 * turns it into the device number the gatherer resolves to every mount of that superblock.
 * Errors of one filesystem that arrive while an event is still queued are merged by the kernel
 * into one event whose error_count says how many there were.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { loadNative, type FsErrorWatcher, type NativeLoadResult } from '../../../native/binding.ts';
import { StartupError } from '../../../errors.ts';
import type { Observation, SharedState, Source, SourceContext } from '../../types.ts';
import { decodeEvents, sampleFsErrorEvent, type FsErrorRecord, type MalformedReason } from './decode.ts';
import { MarkBook } from './marks.ts';

/** Config of `sources.fanotify`. */
export const configSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'Report filesystem errors through fanotify FAN_FS_ERROR (needs root and the native addon).' }),
    markTimeoutMs: Type.Integer({ minimum: 100, default: 5_000, description: 'A mount whose mark gets no answer within this time (a hung FUSE server) is reported as not answering; marking carries on with the others.' }),
    maxMarksInFlight: Type.Integer({ minimum: 1, maximum: 64, default: 4, description: 'Marks requested at once (each on its own thread).' }),
  },
  { additionalProperties: false },
);

/** Parsed `sources.fanotify` config. */
export type FanotifyConfig = Static<typeof configSchema>;

/** Test seam: where the native binding comes from. */
export interface FanotifyOptions {
  loadNative?: () => NativeLoadResult;
}

/** Creates the fanotify source. */
export function create(config: FanotifyConfig, _shared: SharedState): Source {
  return new FanotifySource(config);
}

/** Reason for a fanotify_init failure, per errno. */
const INIT_ERRORS: Record<string, string> = {
  EPERM: 'fanotify needs CAP_SYS_ADMIN (run fsevd as root or grant the capability)',
  EINVAL: 'the kernel has no FAN_REPORT_FID (Linux < 5.1)',
  ENOSYS: 'the kernel was built without fanotify',
};

/** Filesystem marks need CAP_SYS_ADMIN (fanotify_user.c), though fanotify_init alone does not since 5.13. */
const NEEDS_CAP_SYS_ADMIN = 'fanotify filesystem marks need CAP_SYS_ADMIN (run fsevd as root or grant the capability)';
const CAP_SYS_ADMIN_BIT = 21n;

/** Whether /proc/self/status grants CAP_SYS_ADMIN; undefined when it cannot tell. */
async function hasCapSysAdmin(proc: string): Promise<boolean | undefined> {
  const status = await readFile(join(proc, 'self/status'), 'utf8').catch(() => '');
  const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  return hex === undefined ? undefined : ((BigInt(`0x${hex}`) >> CAP_SYS_ADMIN_BIT) & 1n) === 1n;
}

/** The source; constructed directly only by tests that inject a fake binding. */
export class FanotifySource implements Source {
  readonly name = 'fanotify';
  readonly #config: FanotifyConfig;
  readonly #loadNative: () => NativeLoadResult;
  #ctx: SourceContext | undefined;
  #watcher: FsErrorWatcher | undefined;
  #marks: MarkBook | undefined;
  #unsubscribe: (() => void) | undefined;
  #malformed: Partial<Record<MalformedReason, number>> = {};
  #unknownInfo = 0;
  #unexpected = 0;
  #overflows = 0;

  constructor(config: FanotifyConfig, options: FanotifyOptions = {}) {
    this.#config = config;
    this.#loadNative = options.loadNative ?? loadNative;
  }

  async start(ctx: SourceContext): Promise<void> {
    this.#ctx = ctx;
    const native = this.#loadNative();
    if (!native.ok) throw new StartupError(`fanotify needs the native addon: ${native.reason}`);
    if (typeof native.native.watchFsErrors !== 'function') throw new StartupError('the native addon predates watchFsErrors (rebuild it: npm run install)');
    if ((await hasCapSysAdmin(ctx.paths.proc)) === false) throw new StartupError(NEEDS_CAP_SYS_ADMIN);
    try {
      this.#watcher = native.native.watchFsErrors(
        (chunk) => this.#onEvents(chunk),
        (result) => {
          this.#marks?.settle(result);
          // CAP_SYS_ADMIN in a user namespace is not enough: then every mark fails like this.
          if (result.error?.code === 'EPERM') ctx.setHealth({ state: 'down', reason: `${NEEDS_CAP_SYS_ADMIN}: fanotify_mark EPERM` });
        },
        (error) => ctx.setHealth({ state: 'down', reason: `reading the fanotify group failed: ${error.code} (${error.message})` }),
      );
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      const known = INIT_ERRORS[code];
      throw new StartupError(`fanotify_init: ${known ?? (err as Error).message}`, { cause: err, retry: !known });
    }
    const watcher = this.#watcher;
    this.#marks = new MarkBook({
      mounts: ctx.mounts,
      request: (id, path) => watcher.mark(id, path),
      timeoutMs: this.#config.markTimeoutMs,
      maxInFlight: this.#config.maxMarksInFlight,
      changed: () => this.#report(),
    });
    this.#unsubscribe = ctx.mounts.onChange((changes) => this.#marks?.update(changes));
    this.#marks.update();
    // A rehearsal, nothing emitted: V8 compiles a function on its first call and builds its inline
    // caches on its first runs, which the first real error would otherwise pay (see Pipeline.rehearse).
    for (const record of decodeEvents(sampleFsErrorEvent()).records) if (record.kind === 'fs-error') this.#observation(record, ctx.now());
    ctx.setHealth({ state: 'up', detail: this.#detail() });
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#marks?.close();
    this.#marks = undefined;
    this.#watcher?.close();
    this.#watcher = undefined;
  }

  #onEvents(chunk: Buffer): void {
    const ctx = this.#ctx;
    if (!ctx) return;
    const decoded = decodeEvents(chunk);
    let noteworthy = decoded.malformed.length + decoded.unknownInfo + decoded.unexpected > 0;
    for (const record of decoded.records) {
      if (record.kind === 'overflow') {
        this.#overflows += 1;
        noteworthy = true;
        ctx.addLost(1);
        ctx.emit({ type: 'EVENTS_LOST', time: ctx.now(), data: { source: this.name, reason: 'fanotify queue overflow (FAN_Q_OVERFLOW): some filesystem errors were dropped by the kernel', lostAtLeast: 1 } });
      } else {
        ctx.emit(this.#observation(record, ctx.now()));
      }
    }
    for (const reason of decoded.malformed) {
      if (!this.#malformed[reason]) ctx.log.warn({ reason, bytes: chunk.length }, 'Dropped a malformed fanotify event');
      this.#malformed[reason] = (this.#malformed[reason] ?? 0) + 1;
    }
    this.#unknownInfo += decoded.unknownInfo;
    this.#unexpected += decoded.unexpected;
    if (noteworthy) this.#report();
  }

  /**
   * The FS_ERROR observation of a record, built in one go: this runs cold (errors are rare), on the
   * path whose latency fsevd promises, where every extra object and spread shows.
   */
  #observation(record: FsErrorRecord, time: number): Omit<Observation, 'source'> {
    const data: Record<string, unknown> = { errno: record.errno, errorCount: record.errorCount };
    const obs: Omit<Observation, 'source'> = { type: 'FS_ERROR', time, data };
    const fsid = record.fsid;
    if (fsid) data.fsid = fsid;
    if (record.handle) data.fileHandle = record.handle;
    if (record.inode !== undefined) data.inode = record.inode;
    if (record.generation !== undefined) data.generation = record.generation;
    if (record.pid > 0) data.pid = record.pid;
    if (!fsid) return obs;
    const devno = this.#marks?.soleDevnoOf(fsid);
    if (devno) {
      obs.mount = { devno, fsid };
      return obs;
    }
    // Unknown fsid, or one shared by several superblocks (a clone or snapshot of an ext4 image
    // keeps the UUID the fsid is made of): the kernel event cannot say which one erred.
    const shared = this.#marks?.devnosOf(fsid) ?? [];
    if (shared.length > 1) data.fsidSharedBy = shared.map((d) => `${d.major}:${d.minor}`);
    obs.mount = { fsid };
    return obs;
  }

  #report(): void {
    this.#ctx?.setHealth({ detail: this.#detail() });
  }

  #detail(): Record<string, unknown> {
    const superblocks = this.#marks?.superblocks() ?? [];
    return {
      mechanism: 'fanotify FAN_FS_ERROR (FAN_MARK_FILESYSTEM, FAN_REPORT_FID), native reader thread',
      marked: superblocks.filter((sb) => sb.state === 'marked').length,
      marksInFlight: this.#marks?.inFlight ?? 0,
      marksNotAnswering: this.#marks?.stuck ?? 0,
      superblocks,
      overflows: this.#overflows,
      malformed: { ...this.#malformed },
      unknownInfoRecords: this.#unknownInfo,
      unexpectedEvents: this.#unexpected,
    };
  }
}
