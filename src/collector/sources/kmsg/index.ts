/**
 * @module collector/sources/kmsg
 * The kernel log source. A native thread reads /dev/kmsg (never the event loop or the libuv
 * pool: a flood reaches 73k records/s and the ring holds ~25 ms of it) and hands records over in
 * batches; processor.ts turns them into observations through the catalog, each emitted as soon as
 * its record is classified. Loss is counted by sequence gaps (ctx.addLost + one EVENTS_LOST for a
 * batch's gaps, published before the observations that follow them). Records written from user
 * space are read and counted but never classified. The last sequence number read is saved with
 * the boot id (cursor.ts): a restart on the same boot resumes after it; a first start reads the
 * ring's backlog as history (sequence only, so that a loss right after the start still shows as a
 * gap) and publishes only what comes after it.
 */
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { loadNative, type KmsgBatchListener, type KmsgReader } from '../../../native/binding.ts';
import { StartupError } from '../../../errors.ts';
import type { Source, SourceContext } from '../../types.ts';
import { loadCursor, readBootId, saveCursor } from './cursor.ts';
import { KmsgProcessor, lossObservation } from './processor.ts';
import type { Gap } from './sequence.ts';

/** Config of `sources.kmsg`. */
export const configSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'Read the kernel log (/dev/kmsg; needs CAP_SYSLOG when dmesg_restrict=1).' }),
    correctionWaitMs: Type.Integer({ minimum: 0, maximum: 60_000, default: 1000, description: 'How long a btrfs checksum failure waits for a "read error corrected" line before it is published as UNCORRECTED_CHECKSUM_ERROR.' }),
    newBoot: Type.Union([Type.Literal('ring'), Type.Literal('end')], { default: 'ring', description: 'After a reboot (state dir from an earlier boot): "ring" reads the messages this boot already logged, "end" only new ones. A first start (no state) always begins at the end.' }),
    cursorIntervalMs: Type.Integer({ minimum: 100, default: 1000, description: 'How often the position in the kernel log is saved to the state dir (a crash replays at most this much).' }),
  },
  { additionalProperties: false },
);

/** Parsed `sources.kmsg` config. */
export type KmsgConfig = Static<typeof configSchema>;

/** Creates the kmsg source. */
export function create(config: KmsgConfig): Source {
  return new KmsgSource(config);
}

/** How long to wait before reopening /dev/kmsg after a read error stopped the reader. */
const REOPEN_DELAY_MS = 5_000;

class KmsgSource implements Source {
  readonly name = 'kmsg';
  readonly #config: KmsgConfig;
  #ctx: SourceContext | undefined;
  #reader: KmsgReader | undefined;
  #openKmsg: ((path: string, fromEnd: boolean, onBatch: KmsgBatchListener) => KmsgReader) | undefined;
  /** Until the reader catches up with the ring once: the backlog of a first start, not news. */
  #history = false;
  #processor: KmsgProcessor | undefined;
  #bootId: string | undefined;
  #overruns = 0;
  #savedSeq = -1;
  #saving: Promise<void> | undefined;
  #timers = new Set<NodeJS.Timeout>();
  #dueTimer: NodeJS.Timeout | undefined;
  #stopped = false;
  /** How this run started (resumed, end of ring, new boot): kept in every health detail. */
  #start = '';

  constructor(config: KmsgConfig) {
    this.#config = config;
  }

  async start(ctx: SourceContext): Promise<void> {
    this.#ctx = ctx;
    this.#stopped = false;
    const native = loadNative();
    if (!native.ok) throw new StartupError(native.reason);
    const openKmsg = native.native.openKmsg;
    if (typeof openKmsg !== 'function') throw new StartupError('native addon has no openKmsg (built before it existed: rebuild with npm run install)');
    this.#openKmsg = openKmsg;
    this.#bootId = await readBootId(ctx.paths.proc);
    const cursor = await loadCursor(ctx.paths.stateDir);
    // Same boot: resume after the saved record. Another boot: its records are all news unless told
    // otherwise. No state at all: a first start, where the ring is history.
    const sameBoot = cursor !== undefined && this.#bootId !== undefined && cursor.bootId === this.#bootId;
    const fromEnd = cursor === undefined || (!sameBoot && this.#config.newBoot === 'end');
    const expectedSeq = sameBoot ? cursor.seq + 1 : fromEnd ? -1 : 0;
    this.#processor = new KmsgProcessor({ expectedSeq, correctionWaitMs: this.#config.correctionWaitMs });
    this.#savedSeq = sameBoot ? cursor.seq : -1;
    this.#history = fromEnd;
    this.#open();
    const interval = setInterval(() => void this.#saveCursor(), this.#config.cursorIntervalMs);
    interval.unref();
    this.#timers.add(interval);
    this.#start = sameBoot ? `resumed after seq ${cursor.seq}` : fromEnd ? 'end of ring' : 'start of ring (new boot)';
    ctx.setHealth({ state: 'up', detail: { start: this.#start } });
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#reader?.close();
    this.#reader = undefined;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    clearTimeout(this.#dueTimer);
    // Held checksum failures are released, not dropped: their outcome is unknown, so uncorrected.
    const ctx = this.#ctx;
    if (ctx && this.#processor) for (const obs of this.#processor.drain()) ctx.emit(obs);
    await this.#saving;
    await this.#saveCursor();
  }

  /** Opens at the oldest record: the sequence tracker skips what was read and counts gaps. */
  #open(): void {
    const ctx = this.#ctx!;
    const path = join(ctx.paths.dev, 'kmsg');
    try {
      this.#reader = this.#openKmsg!(path, false, (batch, overruns, errno, caughtUp) => this.#onBatch(batch, overruns, errno, caughtUp));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Missing privilege is not going to fix itself; anything else may (a transient open failure).
      // With kernel.dmesg_restrict=1 reading the kernel log needs CAP_SYSLOG: say which capability.
      const hint = code === 'EPERM' ? ' (reading the kernel log needs CAP_SYSLOG: run as root or grant the capability)' : '';
      throw new StartupError(`Cannot read ${path}: ${(err as Error).message}${hint}`, { cause: err, retry: code !== 'EACCES' && code !== 'EPERM' && code !== 'ENOENT' });
    }
  }

  #onBatch(batch: string | null, overruns: number, errno: number, caughtUp: boolean): void {
    const ctx = this.#ctx;
    const processor = this.#processor;
    if (this.#stopped || !ctx || !processor) return;
    if (batch) {
      const now = ctx.now();
      processor.feed(batch, now, this.#history, {
        lost: (gap) => this.#reportLoss(gap, overruns, now),
        observe: (obs) => ctx.emit(obs),
      });
      this.#scheduleDue();
    }
    if (caughtUp) this.#history = false;
    this.#overruns = overruns;
    ctx.setHealth({ detail: { start: this.#start, ...processor.stats, overruns, lastSeq: processor.lastSeq } });
    if (errno !== 0) this.#readFailed(errno);
  }

  #reportLoss(gap: Gap, overruns: number, now: number): void {
    const ctx = this.#ctx!;
    ctx.addLost(gap.lost);
    const reason = overruns > this.#overruns ? 'kernel ring overrun (EPIPE)' : 'sequence gap';
    ctx.log.warn({ lost: gap.lost, firstMissingSeq: gap.from, lastMissingSeq: gap.to, reason }, 'Kernel log records lost');
    ctx.emit(lossObservation(gap, reason, now, { overruns }));
  }

  /** Held btrfs checksum failures are released by a timer when no repair line arrives. */
  #scheduleDue(): void {
    const due = this.#processor?.nextDue;
    clearTimeout(this.#dueTimer);
    this.#dueTimer = undefined;
    if (due === undefined || this.#stopped) return;
    this.#dueTimer = setTimeout(() => {
      const ctx = this.#ctx!;
      for (const obs of this.#processor!.expire(ctx.now())) ctx.emit(obs);
      this.#scheduleDue();
    }, Math.max(0, due - this.#ctx!.now()));
    this.#dueTimer.unref();
  }

  #readFailed(errno: number): void {
    const ctx = this.#ctx!;
    this.#reader?.close();
    this.#reader = undefined;
    ctx.setHealth({ state: 'down', reason: `read of /dev/kmsg failed (errno ${errno}); reopening in ${REOPEN_DELAY_MS / 1000} s` });
    ctx.log.error({ errno }, 'Kernel log read failed; reopening after a delay');
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (this.#stopped) return;
      try {
        this.#open();
        ctx.setHealth({ state: 'up' });
      } catch (err) {
        this.#readFailed(errno);
        ctx.log.error({ err }, 'Reopening the kernel log failed');
      }
    }, REOPEN_DELAY_MS);
    timer.unref();
    this.#timers.add(timer);
  }

  async #saveCursor(): Promise<void> {
    const seq = this.#processor?.lastSeq ?? -1;
    if (seq < 0 || seq === this.#savedSeq || !this.#bootId || this.#saving) return;
    const ctx = this.#ctx!;
    this.#saving = saveCursor(ctx.paths.stateDir, { bootId: this.#bootId, seq })
      .then(() => {
        this.#savedSeq = seq;
      })
      .catch((err: unknown) => ctx.log.warn({ err }, 'Cannot save the kernel log position; a restart may replay recent records'))
      .finally(() => {
        this.#saving = undefined;
      });
    await this.#saving;
  }
}
