/**
 * @module native/binding
 * The only module that loads the fsevd_native addon (native/, built by `npm install` through
 * node-gyp). Importing this never throws: callers ask loadNative() and, when the addon is
 * unavailable, report the kernel sources that need it as down with the given reason.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const addonSpecifier = '../../native/build/Release/fsevd_native.node';

/** Handle of a running watchPriority() watcher. */
export interface PriorityWatcher {
  /**
   * Stop watching: wakes and joins the watcher thread, closes its fds and drops the callback.
   * Idempotent; no onChange call happens after it returns, even one already queued.
   */
  close(): void;
}

/** Typed surface of the fsevd_native addon. */
export interface NativeBinding {
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
    if (!existsSync(new URL(addonSpecifier, import.meta.url))) {
      return { ok: false, reason: NATIVE_NOT_BUILT_REASON };
    }
    const loaded: unknown = createRequire(import.meta.url)(addonSpecifier);
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
