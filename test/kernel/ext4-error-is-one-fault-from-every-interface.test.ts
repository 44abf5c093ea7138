/**
 * A real ext4 error (sysfs trigger_fs_error on a loop-mounted ext4) reaches a client as ONE fault
 * of type FS_ERROR for that mount, with its errno, reported by the kernel log and, when the
 * fanotify source runs and watches the mount, by fanotify too. With the default correlation
 * (holdMs 0) that is a first event plus a follow-up naming every source; with holdMs the first
 * event already names every source that reported within the hold.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { eventsOf, fanotifyWatches, faults, mountState, startDaemonWith } from '../helpers/faults.ts';
import { loopMount, makeExt4Image, needRoot, tempDir, waitFor } from '../helpers/system.ts';

/** Correlation window of the test daemon (ms). */
const WINDOW_MS = 2000;

async function scenario(t: TestContext, holdMs: number) {
  const dir = await tempDir(t);
  // The window must cover the slowest source (the sysfs counters, re-read on trouble): on a loaded
  // machine that took 700 ms, so 500 ms made a second fault.
  const daemon = await startDaemonWith(t, dir, { correlation: { windowMs: WINDOW_MS, holdMs } });
  const mountpoint = join(dir, 'mnt');
  await mkdir(mountpoint);
  await loopMount(t, await makeExt4Image(dir), mountpoint, 'loop,errors=continue');
  const state = await mountState(daemon, mountpoint);
  const expected = ['kmsg', ...((await fanotifyWatches(daemon, mountpoint)) ? ['fanotify'] : [])];
  await writeFile(`/sys/fs/ext4/${basename(state.device)}/trigger_fs_error`, 'fsevd test error');
  // Wait until every expected source has reported and the fault has gone quiet (follow-up out).
  const events = await waitFor('the fault from every source', async () => {
    const found = await eventsOf(daemon, mountpoint, ['FS_ERROR', 'ERR_CORRUPTED']);
    const [fault] = faults(found);
    return fault && expected.every((s) => fault.sources.has(s)) ? found : undefined;
  }, 15_000);
  await new Promise((resolve) => setTimeout(resolve, WINDOW_MS + 200)); // one more window: nothing else may follow
  return { daemon, mountpoint, expected, events: await eventsOf(daemon, mountpoint, ['FS_ERROR', 'ERR_CORRUPTED']), first: events[0]! };
}

test('ext4 trigger_fs_error is one FS_ERROR fault with errno 117 from the kernel log (and fanotify)', async (t) => {
  if (!needRoot(t)) return;
  const { events, expected, daemon, mountpoint } = await scenario(t, 0);
  const all = faults(events);
  assert.equal(all.length, 1, `one fault, got ${JSON.stringify(events)}`);
  const [fault] = all;
  assert.equal(fault!.first.type, 'FS_ERROR');
  assert.ok(fault!.followUps.length <= 1, 'at most one follow-up');
  for (const source of expected) assert.ok(fault!.sources.has(source), `${source} in ${[...fault!.sources]}`);
  const errnos = [fault!.first, ...fault!.followUps].map((e) => e.data.errno);
  assert.ok(errnos.every((errno) => errno === 117), `EFSCORRUPTED everywhere: ${errnos}`);
  const kmsg = [fault!.first, ...fault!.followUps].find((e) => e.data.pattern === 'ext4.error');
  assert.equal(kmsg?.data.function, 'trigger_test_error', 'the kernel log line\'s details are in the fault');
  assert.equal(kmsg?.data.message, 'fsevd test error');
  const state = await mountState(daemon, mountpoint);
  assert.equal(state.lastError?.errno, 117);
  assert.equal(state.readOnly, false, 'errors=continue keeps it writable');
});

test('with holdMs the first event already names every source that reports within the hold', async (t) => {
  if (!needRoot(t)) return;
  const { events, expected } = await scenario(t, 400);
  const [fault, ...others] = faults(events);
  assert.deepEqual(others, [], 'one fault');
  for (const source of expected) assert.ok(fault!.first.sources.includes(source), `${source} in ${fault!.first.sources}`);
  assert.ok(fault!.first.count >= expected.length);
  assert.equal(fault!.first.data.errno, 117);
  if (expected.includes('fanotify')) assert.equal(fault!.first.data.errnoInferred, undefined, 'fanotify\'s exact errno wins over the one read from the log text');
  // Only slower sources (a polled counter) may come after the hold, as one follow-up.
  assert.ok(fault!.followUps.length <= 1);
  for (const followUp of fault!.followUps) assert.ok(followUp.sources.some((s) => !expected.includes(s)), JSON.stringify(followUp));
});
