/**
 * @module native/binding
 * The only module that loads the fsevd_native addon (native/, built by `npm install` through
 * node-gyp). Importing this never throws: callers ask loadNative() and, when the addon is
 * unavailable, report the kernel sources that need it as down with the given reason.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../package-root.ts';

const addonUrl = new URL('native/build/Release/fsevd_native.node', packageRoot);

/** Handle of a running watchPriority() watcher. */
export interface PriorityWatcher {
  /**
   * Stop watching: wakes and joins the watcher thread, closes its fds and drops the callback.
   * Idempotent; no onChange call happens after it returns, even one already queued.
   */
  close(): void;
}

/** Handle of a createStatfsPool() pool. */
export interface StatfsPool {
  /**
   * Queues statx(mount id) + statfs of `path` (the raw bytes of a mount point: encodeBytes() of a
   * mountinfo path, since a string would reach the kernel as UTF-8 and lose undecodable bytes);
   * the outcome reaches onResult with this `id`. False once closed.
   * @throws TypeError for an empty path or one with NUL bytes.
   */
  submit(id: number, path: Buffer): boolean;
  /**
   * submit() for each (ids[i], paths[i]) in one step, waking the threads once: a batch costs one
   * hand-over, not one per path. False once closed; queues nothing when any element is bad.
   * @throws TypeError for arrays of different lengths, or a bad id or path.
   */
  submitBatch(ids: number[], paths: Buffer[]): boolean;
  /**
   * Gives up on the call running request `id` (a hung mount): its thread is left to finish on its
   * own (its late result is still delivered) and a replacement thread starts. False when no thread
   * is running `id` (not started yet or already answered), or 4,096 threads are already abandoned.
   */
  abandon(id: number): boolean;
  /** Threads serving requests, of them busy, requests waiting, abandoned threads still blocked, abandoned ever. */
  stats(): { threads: number; busy: number; queued: number; abandoned: number; abandonedTotal: number };
  /** Drops waiting requests and delivers nothing more; never joins a thread; idempotent. */
  close(): void;
}

/**
 * Receives one statfs outcome: `errno` 0 and `values` = [f_type, f_bsize, f_frsize, f_blocks,
 * f_bfree, f_bavail, f_files, f_ffree, f_flags, mount id or -1], or a positive errno and no values.
 */
export type StatfsResultListener = (id: number, errno: number, values: number[] | undefined) => void;

/** Handle of a running openKmsg() reader. */
export interface KmsgReader {
  /** Stops the reader thread and closes /dev/kmsg; idempotent; no onBatch call after it returns. */
  close(): void;
}

/**
 * Receives records from openKmsg(): `batch` holds whole /dev/kmsg records exactly as read, as a
 * latin1 string (records are ASCII), each ending in '\n' (dict lines start with a space), or null; `overruns` is the cumulative number of
 * EPIPE answers (the ring wrapped before the thread read it); `errno` is non-zero once, in the last
 * call, when a read error stopped the thread; `caughtUp` says the batch ends where the ring did
 * (the first such call, sent even without records, ends the backlog that was in the ring at open).
 */
export type KmsgBatchListener = (batch: string | null, overruns: number, errno: number, caughtUp: boolean) => void;

/** Handle of a running watchFsErrors() group. */
export interface FsErrorWatcher {
  /**
   * Asks for a FAN_MARK_FILESYSTEM FAN_FS_ERROR mark on the superblock of `path` (the raw bytes of
   * a mount point). Returns at once: a detached thread opens the path (O_PATH), fstat()s and
   * fstatfs()s it and adds the mark, and onMark receives the outcome with this `id`, or nothing at
   * all if a hung FUSE or network filesystem never answers (callers apply their own timeout).
   * @throws after close(); TypeError for a non-Buffer path or one with NUL bytes.
   */
  mark(id: number, path: Buffer): void;
  /** Stops the reader thread and closes the group; idempotent; no callback after it returns. */
  close(): void;
}

/** What watchFsErrors()'s onMark receives for one mark() request. */
export interface FsErrorMarkResult {
  id: number;
  /** statfs f_fsid words (val[0], val[1]); [0, 0] when unknown or the filesystem has none. */
  fsid: [number, number];
  /** st_dev of the path, when fstat succeeded. */
  dev?: { major: number; minor: number };
  /** Absent on success; `errno` is positive, `syscall` names the step that failed. */
  error?: { code: string; errno: number; syscall: 'open' | 'fstat' | 'fstatfs' | 'fanotify_mark'; message: string };
}

/** Typed surface of the fsevd_native addon. */
export interface NativeBinding {
  /**
   * Encodes `payload` as one journal record (collector/journal/record.ts: magic, length, CRC-32,
   * UTF-8 payload) and writes it to `fd` with one writev(2), on the calling thread. Returns the
   * record's size in bytes; -(payload bytes) without writing anything when the payload is empty
   * or over `maxPayload` bytes.
   * @throws Error with Node-style `code`/`errno`/`syscall` and `written` (bytes of the record that
   *   did reach the file) when the write fails; TypeError for bad arguments.
   */
  appendRecord?(fd: number, payload: string, maxPayload: number): number;
  /**
   * Call onChange (on the JS thread, no arguments) whenever poll() reports POLLPRI/POLLERR on
   * `path`, e.g. /proc/self/mountinfo after any mount or umount in this mount namespace. A
   * dedicated thread blocks in poll(); the event loop never blocks and a watcher alone never
   * keeps the process alive. Changes are coalesced: while a call is queued and not yet delivered,
   * further changes add no call, so onChange must re-read the whole file. Only for files whose
   * poll() acknowledges the change itself (/proc/<pid>/mountinfo, mounts, mountstats, /proc/swaps);
   * not for sysfs attributes. Keep the returned handle (or its close function) referenced: once
   * it is garbage collected the watcher stops. An exception thrown by onChange is reported as
   * an uncaught exception.
   * @throws Error with Node-style `code` (e.g. 'ENOENT'), `errno`, `syscall` and `path` when
   *   `path` cannot be opened; TypeError for bad arguments.
   */
  watchPriority(path: string, onChange: () => void): PriorityWatcher;
  /**
   * A pool of `threads` (1..64) detached threads that run statfs(2) for submitted paths, so a hung
   * network or FUSE mount blocks neither the event loop nor libuv's pool. Results reach onResult on
   * the JS thread, coalesced into one wake-up per burst. Does not keep the process alive; keep
   * the handle referenced while in use. Absent from older builds (check with typeof).
   * @throws TypeError for bad arguments; Error (code from pthread_create) when no thread starts.
   */
  createStatfsPool?(threads: number, onResult: StatfsResultListener): StatfsPool;
  /**
   * Reads /dev/kmsg-format records from `path` on a dedicated thread (never the event loop or the
   * libuv pool) and hands them to onBatch on the JS thread in batches, in kernel order. Starts at
   * the oldest record in the ring, or after the newest when `fromEnd`. At most 16 batches of
   * 256 KiB wait for JS; beyond that the thread pauses and the kernel ring overruns, which shows as
   * a sequence gap. Does not keep the process alive; keep the handle referenced while reading.
   * Absent from addons built before it existed (check with typeof).
   * @throws Error with Node-style `code` (EACCES/EPERM without CAP_SYSLOG, ENOENT) when `path`
   *   cannot be opened; TypeError for bad arguments.
   */
  openKmsg?(path: string, fromEnd: boolean, onBatch: KmsgBatchListener): KmsgReader;
  /**
   * Opens a fanotify group (FAN_CLASS_NOTIF | FAN_REPORT_FID) read by a dedicated thread (never
   * the event loop or the libuv pool). onEvents gets the raw bytes of each read() — whole events,
   * decoded by sources/fanotify/decode.ts; onMark the outcome of each mark(); onError, once, the
   * read error that stopped the thread. At most 16 chunks wait for JS; beyond that the thread
   * pauses and the kernel queue fills (merging errors per filesystem, then FAN_Q_OVERFLOW). Does
   * not keep the process alive; keep the handle referenced. Absent from older builds (typeof).
   * @throws Error with Node-style `code`: EPERM without CAP_SYS_ADMIN, EINVAL on kernels without
   *   FAN_REPORT_FID (< 5.1), ENOSYS without fanotify; TypeError for bad arguments.
   */
  watchFsErrors?(
    onEvents: (chunk: Buffer) => void,
    onMark: (result: FsErrorMarkResult) => void,
    onError: (error: { code: string; errno: number; syscall: string; message: string }) => void,
  ): FsErrorWatcher;
  /**
   * Empties the calling thread's ambient and inheritable capability sets, keeping its permitted
   * and effective sets: programs the JS thread starts afterwards (hooks, scheduler commands) get
   * no capabilities, while the daemon keeps those it runs with. Absent from older builds (typeof).
   * @throws Error with Node-style `code` when prctl/capget/capset fail (not expected: lowering needs no privilege).
   */
  restrictChildCapabilities?(): void;
  /**
   * Finds this process's netlink socket of `protocol` bound to port id `port` (one node-netlink
   * opened) and sets NETLINK_NO_ENOBUFS on it, returning its descriptor: node-netlink aborts the
   * process when an overrun makes the socket report ENOBUFS (native/src/netlink.c says how), so
   * listeners set it before joining a group and count losses with socketDrops(). Absent from
   * older builds (typeof).
   * @throws Error with code ENOENT when no such socket is open, or setsockopt's errno.
   */
  netlinkNoEnobufs?(protocol: number, port: number): number;
  /** Messages the kernel dropped for socket `fd` since it opened (SO_MEMINFO SK_MEMINFO_DROPS). */
  socketDrops?(fd: number): number;
}

/** Outcome of loadNative(): the binding, or why it is unavailable. */
export type NativeLoadResult = { ok: true; native: NativeBinding } | { ok: false; reason: string };

/** loadNative()'s reason when native/build/Release/fsevd_native.node does not exist. */
export const NATIVE_NOT_BUILT_REASON = 'native addon not built (npm install runs node-gyp in native/)';

let cached: NativeLoadResult | undefined;

/** Load the addon once (later calls return the same result); never throws. */
export function loadNative(): NativeLoadResult {
  cached ??= load();
  return cached;
}

function load(): NativeLoadResult {
  try {
    if (!existsSync(addonUrl)) {
      return { ok: false, reason: NATIVE_NOT_BUILT_REASON };
    }
    const loaded: unknown = createRequire(import.meta.url)(fileURLToPath(addonUrl));
    if (!isNativeBinding(loaded)) {
      return { ok: false, reason: 'native addon loaded but does not export watchPriority (stale build?)' };
    }
    return { ok: true, native: loaded };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

function isNativeBinding(value: unknown): value is NativeBinding {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { watchPriority?: unknown }).watchPriority === 'function'
  );
}
