/**
 * A daemon killed with SIGKILL in the middle of a burst of real mount events restarts on the same
 * state dir, and GET /api/v1/events?since= returns every event once, in order: every event a
 * client saw before the kill is still there unchanged, sequence numbers have no gap and no
 * duplicate, and events after the restart continue the sequence.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { FsEvent } from '../../src/collector/types.ts';
import { startDaemon } from '../helpers/daemon.ts';
import { needRoot, run, tempDir, unmount, waitFor } from '../helpers/system.ts';

/** Mounts and unmounts tmpfs on `dirs` in a loop until killed: a steady stream of real events. */
function burst(dirs: string[]) {
  const script = 'while :; do for d in "$@"; do mount -t tmpfs fsevd-burst "$d"; done; for d in "$@"; do umount "$d"; done; done';
  return spawn('sh', ['-c', script, 'burst', ...dirs], { stdio: 'ignore' });
}

function assertContiguous(events: FsEvent[]): void {
  events.forEach((event, i) => assert.equal(event.seq, i + 1, `event ${i} has seq ${event.seq}: a gap or a duplicate`));
}

test('SIGKILL during a burst loses and repeats nothing', async (t) => {
  if (!needRoot(t)) return;
  const dir = await tempDir(t);
  const stateDir = join(dir, 'state');
  const dirs = await Promise.all([0, 1, 2, 3].map(async (i) => {
    const d = join(dir, `m${i}`);
    await mkdir(d);
    t.after(() => unmount(d));
    return d;
  }));

  const seenByClient: FsEvent[] = [];
  for (let round = 0; round < 3; round++) {
    const daemon = await startDaemon(t, stateDir);
    const writer = burst(dirs);
    const stopWriter = () => new Promise((resolve) => { writer.once('exit', resolve); writer.kill('SIGKILL'); });
    try {
      // Follow the stream like a client until enough of this round's events have been seen.
      const target = seenByClient.length + 200;
      await waitFor('events during the burst', async () => {
        seenByClient.push(...(await daemon.events(seenByClient.at(-1)?.seq ?? 0)));
        return seenByClient.length >= target ? true : undefined;
      }, 30_000);
      assert.equal(await daemon.stop('SIGKILL'), 'SIGKILL');
    } finally {
      await stopWriter();
      for (const d of dirs) await unmount(d).catch(() => undefined);
    }
  }

  const daemon = await startDaemon(t, stateDir);
  const all = await daemon.events(0);
  assertContiguous(all);
  const bySeq = new Map(all.map((e) => [e.seq, e]));
  for (const seen of seenByClient) assert.deepEqual(bySeq.get(seen.seq), seen, `event ${seen.seq} changed or vanished after the crash`);
  assert.ok(all.length >= seenByClient.length);

  // The sequence continues after the last journaled event.
  await run('mount', ['-t', 'tmpfs', 'fsevd-after', dirs[0]!]);
  const next = await waitFor('an event after the restart', async () => (await daemon.events(all.at(-1)!.seq))[0]);
  assert.equal(next.seq, all.at(-1)!.seq + 1);
  assert.equal(next.type, 'MOUNT');
});
