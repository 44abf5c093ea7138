/**
 * @module util/throttle
 * Calls a function at most once per interval, on the leading edge (the first call runs at once)
 * and the trailing edge (calls made meanwhile are folded into one run when the interval ends), so
 * the last request is always honoured but a storm of requests costs one run per interval.
 */

/** A throttled function: call() to request a run, cancel() to drop a pending trailing run. */
export interface Throttled {
  call(): void;
  cancel(): void;
}

/** Throttles `run` to one call per `intervalMs` (ms by `now`), leading and trailing. */
export function throttle(run: () => void, intervalMs: number, now: () => number = Date.now): Throttled {
  let heldUntil = Number.NEGATIVE_INFINITY;
  let trailing: NodeJS.Timeout | undefined;
  const fire = () => {
    heldUntil = now() + intervalMs;
    run();
  };
  return {
    call() {
      if (trailing) return;
      const wait = heldUntil - now();
      if (wait <= 0) return fire();
      trailing = setTimeout(() => {
        trailing = undefined;
        fire();
      }, wait);
      trailing.unref();
    },
    cancel() {
      clearTimeout(trailing);
      trailing = undefined;
    },
  };
}
