/**
 * Free-space thresholds on a real loop-mounted ext4, set through the REST API in the proposal's
 * syntax: filling past L1 then L2 and emptying in two steps yields exactly THR_LRBELOW,
 * THR_URBELOW, THR_URABOVE, THR_LRABOVE, in that order, once each; one allocation past both
 * levels yields only THR_URBELOW. Space is taken with fallocate(1), so every step is one
 * allocation whose effect statfs shows at once.
 */
import assert from 'node:assert/strict';
import { statfsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { FsEvent } from '../../src/collector/types.ts';
import { eventsOn, mountAt, startConfiguredDaemon, writeThresholds } from '../helpers/thresholds.ts';
import { loopMount, makeExt4Image, needRoot, run, tempDir, waitFor } from '../helpers/system.ts';

const THRESHOLD_TYPES = ['THR_LRBELOW', 'THR_LRABOVE', 'THR_URBELOW', 'THR_URABOVE'];

test('ext4 filled past L1 and L2 and emptied: LRBELOW, URBELOW, URABOVE, LRABOVE once each; one jump: only URBELOW', async (t) => {
  if (!needRoot(t)) return;
  const dir = await tempDir(t);
  const mnt = join(dir, 'mnt');
  await mkdir(mnt);
  await loopMount(t, await makeExt4Image(dir, 64), mnt);
  // No defaults: only the entry set below may produce threshold events on this mount.
  const daemon = await startConfiguredDaemon(t, dir, { thresholds: { defaults: '' } });
  await waitFor('the daemon to sample the new mount', async () => (await mountAt(daemon, mnt))?.space);

  const written = await writeThresholds(daemon, `${mnt} G T 60% 30%`);
  assert.equal(written.status, 200, JSON.stringify(written.body));
  const start = (await daemon.get<{ lastSeq: number }>('/healthz')).lastSeq;

  const fs = statfsSync(mnt);
  const unit = fs.bsize;
  const size = fs.blocks * unit;
  const [l1, l2] = [0.6 * size, 0.3 * size];
  const avail = () => statfsSync(mnt).bavail * unit;
  const allocate = async (name: string, targetAvail: number) => {
    const bytes = Math.ceil((avail() - targetAvail) / unit) * unit;
    await run('fallocate', ['-l', String(bytes), join(mnt, name)]);
  };
  const thresholdEvents = () => eventsOn(daemon, mnt, THRESHOLD_TYPES, start);
  const waitForCount = (n: number, what: string) => waitFor(what, async () => {
    const events = await thresholdEvents();
    return events.length >= n ? events : undefined;
  }, 20_000);
  /** Waits until the daemon has sampled twice more after now: nothing further should have fired. */
  const twoMoreSamples = async () => {
    const after = Date.now() + 1500;
    await waitFor('two more samples', async () => {
      const time = (await mountAt(daemon, mnt))?.space?.time;
      return time && Date.parse(time) > after ? true : undefined;
    }, 20_000);
  };

  await allocate('a', (l1 + l2) / 2);
  await waitForCount(1, 'THR_LRBELOW');
  await allocate('b', l2 / 2);
  await waitForCount(2, 'THR_URBELOW');
  await rm(join(mnt, 'b'));
  await waitForCount(3, 'THR_URABOVE');
  await rm(join(mnt, 'a'));
  await waitForCount(4, 'THR_LRABOVE');
  await twoMoreSamples();
  const rearm: FsEvent[] = await thresholdEvents();
  assert.deepEqual(rearm.map((e) => e.type), ['THR_LRBELOW', 'THR_URBELOW', 'THR_URABOVE', 'THR_LRABOVE']);
  assert.deepEqual(rearm.map((e) => e.sources), Array(4).fill(['statfs']));
  const below = rearm[0]!.data;
  assert.equal(below.resource, 'blocks');
  assert.equal(below.l1, '60%');
  assert.ok((below.avail as number) <= (below.l1Value as number) && (below.avail as number) > (below.l2Value as number), JSON.stringify(below));
  assert.ok(Math.abs((below.l1Value as number) - l1) <= unit, `L1 resolves to 60% of the size: ${JSON.stringify(below)}`);
  const state = await mountAt(daemon, mnt);
  assert.equal(state?.thresholds?.blocks?.position, 'armed', 'after LRABOVE both levels are armed again');

  // One allocation past both levels: only the upper-range event.
  const jumpStart = rearm.at(-1)!.seq;
  await allocate('c', l2 / 2);
  await waitFor('THR_URBELOW after the jump', async () => (await eventsOn(daemon, mnt, THRESHOLD_TYPES, jumpStart)).length > 0 || undefined, 20_000);
  await twoMoreSamples();
  const jump = await eventsOn(daemon, mnt, THRESHOLD_TYPES, jumpStart);
  assert.deepEqual(jump.map((e) => e.type), ['THR_URBELOW']);
  assert.equal((await mountAt(daemon, mnt))?.thresholds?.blocks?.position, 'below-l2');
});
