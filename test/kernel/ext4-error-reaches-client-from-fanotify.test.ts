/**
 * End to end: a running fsevd daemon marks a freshly mounted ext4 with fanotify, and an error the
 * kernel raises on it (trigger_fs_error) reaches a client of GET /api/v1/events as an FS_ERROR
 * event for that mount, with 'fanotify' among its sources and the errno.
 */
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { MountState } from '../../src/collector/types.ts';
import { startDaemon } from '../helpers/daemon.ts';
import { loopMount, makeExt4Image, needRoot, tempDir, waitFor } from '../helpers/system.ts';

interface SourceInfo {
  name: string;
  state: string;
  reason?: string;
  detail?: { superblocks?: Array<{ mountpoint: string; state: string }> };
}

test('an ext4 error reaches GET /api/v1/events as FS_ERROR from fanotify', async (t) => {
  if (!needRoot(t)) return;
  const dir = await tempDir(t);
  const daemon = await startDaemon(t, join(dir, 'state'));
  const mountpoint = join(dir, 'mnt');
  await mkdir(mountpoint);
  await loopMount(t, await makeExt4Image(dir), mountpoint, 'loop,errors=continue');

  const fanotify = async () => (await daemon.get<{ sources: SourceInfo[] }>('/api/v1/sources')).sources.find((s) => s.name === 'fanotify');
  await waitFor('the new mount marked', async () => {
    const source = await fanotify();
    assert.equal(source?.state, 'up', `fanotify is not up: ${source?.reason}`);
    return source?.detail?.superblocks?.some((sb) => sb.mountpoint === mountpoint && sb.state === 'marked') ? true : undefined;
  });
  const { mounts } = await daemon.get<{ mounts: MountState[] }>('/api/v1/mounts');
  const mount = mounts.find((m) => m.mountpoint === mountpoint);
  assert.ok(mount, 'the daemon lists the mount');
  const start = (await daemon.get<{ lastSeq: number }>('/healthz')).lastSeq;

  const loop = mount.device.replace('/dev/', '');
  await writeFile(`/sys/fs/ext4/${loop}/trigger_fs_error`, 'end to end');
  const event = await waitFor('FS_ERROR event', async () =>
    (await daemon.events(start)).find((e) => e.type === 'FS_ERROR' && e.mountpoint === mountpoint && e.sources.includes('fanotify')),
  );
  assert.equal(event.data.errno, 117);
  assert.equal(event.fstype, 'ext4');
  assert.equal(event.major, mount.major);
  assert.equal(event.minor, mount.minor);
  const after = await daemon.get<MountState>(`/api/v1/mounts/${mount.mountId}`);
  assert.equal(after.lastError?.type, 'FS_ERROR', 'the mount state records the error');
});
