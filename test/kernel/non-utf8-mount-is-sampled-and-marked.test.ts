/**
 * A real daemon and a loop-mounted ext4 whose mount point ends in the bytes 0xff 0xfe (not UTF-8,
 * carried in the API as the lone surrogates \udcff\udcfe): the statfs pool reaches the kernel with
 * the original bytes (the mount has space figures and no probe error), fanotify marks its
 * superblock, and an error the kernel raises on it (trigger_fs_error) reaches GET /api/v1/events as
 * FS_ERROR from fanotify on exactly that mount point.
 */
import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { MountState } from '../../src/collector/types.ts';
import { decodeBytes } from '../../src/util/bytes.ts';
import { startDaemon } from '../helpers/daemon.ts';
import { loopMount, makeExt4Image, needRoot, tempDir, waitFor } from '../helpers/system.ts';

interface SourceInfo {
  name: string;
  state: string;
  reason?: string;
  detail?: { superblocks?: Array<{ mountpoint: string; state: string }> };
}

/** The last component of the mount point: "mnt-" then two bytes that are not UTF-8. */
const RAW_NAME = Buffer.from([0x6d, 0x6e, 0x74, 0x2d, 0xff, 0xfe]);

test('a mount at a non-UTF-8 path is sampled by statfs, marked by fanotify, and its ext4 error reaches clients', async (t) => {
  if (!needRoot(t)) return;
  const dir = await tempDir(t);
  const daemon = await startDaemon(t, join(dir, 'state'));
  const rawPath = Buffer.concat([Buffer.from(`${dir}/`), RAW_NAME]);
  const mountpoint = decodeBytes(rawPath);
  assert.ok(mountpoint.endsWith('mnt-\udcff\udcfe'), 'the path is not UTF-8');
  await mkdir(rawPath);
  // argv cannot carry the bytes: mount through a symlink, which mount(8) resolves (tempDir unmounts by the raw path).
  const link = join(dir, 'link');
  await symlink(rawPath, link);
  await loopMount(t, await makeExt4Image(dir), link, 'loop,errors=continue');

  const mount = await waitFor('the mount sampled by statfs', async () => {
    const { mounts } = await daemon.get<{ mounts: MountState[] }>('/api/v1/mounts');
    const found = mounts.find((m) => m.mountpoint === mountpoint);
    assert.equal(found?.probe?.lastError, undefined, `statfs of the mount failed: ${found?.probe?.lastError}`);
    return found?.space ? found : undefined;
  });
  assert.ok(mount.space!.sizeBytes > 0, 'statfs gave the filesystem size');
  assert.ok(mount.space!.inodes > 0, 'statfs gave the inode count');
  assert.equal(mount.available, true);

  const fanotify = async () => (await daemon.get<{ sources: SourceInfo[] }>('/api/v1/sources')).sources.find((s) => s.name === 'fanotify');
  await waitFor('the superblock marked by fanotify', async () => {
    const source = await fanotify();
    assert.equal(source?.state, 'up', `fanotify is not up: ${source?.reason}`);
    return source?.detail?.superblocks?.some((sb) => sb.mountpoint === mountpoint && sb.state === 'marked') ? true : undefined;
  });
  const start = (await daemon.get<{ lastSeq: number }>('/healthz')).lastSeq;

  await writeFile(`/sys/fs/ext4/${mount.device.replace('/dev/', '')}/trigger_fs_error`, 'non-utf8 path');
  const event = await waitFor('FS_ERROR from fanotify', async () =>
    (await daemon.events(start)).find((e) => e.type === 'FS_ERROR' && e.sources.includes('fanotify') && e.mountpoint === mountpoint),
  );
  assert.equal(event.data.errno, 117);
  assert.equal(event.major, mount.major);
  assert.equal(event.minor, mount.minor);
});
