/**
 * Cleanups of the test helpers, run in reverse order of registration: the last resource made is the
 * first released (a daemon is stopped before its state dir is removed, a mount unmounted before its
 * image is deleted). node:test runs t.after hooks first-in first-out, so the helpers register here
 * instead; every cleanup runs even when an earlier one fails, and the failures are reported.
 */
import type { TestContext } from 'node:test';

const stacks = new WeakMap<TestContext, Array<() => unknown>>();

/** Registers `release` to run after the test, before the cleanups registered earlier. */
export function onCleanup(t: TestContext, release: () => unknown): void {
  let stack = stacks.get(t);
  if (!stack) {
    const created: Array<() => unknown> = [];
    stack = created;
    stacks.set(t, created);
    t.after(async () => {
      const failures: unknown[] = [];
      for (let next = created.pop(); next; next = created.pop()) {
        try {
          await next();
        } catch (err) {
          failures.push(err);
        }
      }
      if (failures.length === 1) throw failures[0];
      if (failures.length > 1) throw new AggregateError(failures, `${failures.length} cleanups failed`);
    });
  }
  stack.push(release);
}
