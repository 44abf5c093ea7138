/**
 * A restarted daemon does not publish the kernel log's history again, yet reports what the kernel
 * said while it was down: the kmsg source saves its position with the boot id in the state dir and
 * resumes after it on the same boot.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { eventsOf, mountState, startDaemonWith } from '../helpers/faults.ts';
import { loopMount, makeExt4Image, needRoot, tempDir, waitFor } from '../helpers/system.ts';

test('an error before a restart is published once; one while the daemon was down is published after it', async (t) => {
  if (!needRoot(t)) return;
  const dir = await tempDir(t);
  // fanotify and sysfs counters would report the error too; only the kernel log is under test.
  const config = { correlation: { windowMs: 200 }, sources: { fanotify: { enabled: false }, sysfs: { enabled: false } } };
  const mountpoint = join(dir, 'mnt');
  await mkdir(mountpoint);
  await loopMount(t, await makeExt4Image(dir), mountpoint, 'loop,errors=continue');
  const first = await startDaemonWith(t, dir, config);
  const device = basename((await mountState(first, mountpoint)).device);
  const trigger = (message: string) => writeFile(`/sys/fs/ext4/${device}/trigger_fs_error`, message);
  await trigger('before the restart');
  await waitFor('the first error', async () => ((await eventsOf(first, mountpoint, ['FS_ERROR'])).length > 0 ? true : undefined));
  assert.equal(await first.stop(), 0);

  await trigger('while the daemon was down');
  const second = await startDaemonWith(t, dir, config);
  const events = await waitFor('the error from while it was down', async () => {
    const found = await eventsOf(second, mountpoint, ['FS_ERROR']);
    return found.some((e) => e.data.message === 'while the daemon was down') ? found : undefined;
  }, 15_000);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const messages = (await eventsOf(second, mountpoint, ['FS_ERROR'])).map((e) => e.data.message);
  assert.deepEqual(messages, ['before the restart', 'while the daemon was down'], 'the journal holds each once');
  assert.ok(events.length >= 2);
  const health = (await second.get<{ sources: Array<{ name: string; lost: number; detail?: { start?: string } }> }>('/api/v1/sources')).sources.find((s) => s.name === 'kmsg');
  assert.match(String(health?.detail?.start), /^resumed after seq \d+$/);
  assert.equal(health?.lost, 0);
});
