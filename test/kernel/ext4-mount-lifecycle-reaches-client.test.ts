/**
 * A real loop-mounted ext4 appears, is remounted read-only and back, and is unmounted; a client of
 * the running daemon sees MOUNT, REMOUNT (rw→ro), REMOUNT (ro→rw) and UMOUNT, in that order, with
 * the mount point exactly as the kernel has it, even when it holds spaces, a newline, shell
 * metacharacters and bytes that are not UTF-8.
 */
import assert from 'node:assert/strict';
import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { FsEvent, MountState } from '../../src/collector/types.ts';
import { decodeBytes } from '../../src/util/bytes.ts';
import { startDaemon } from '../helpers/daemon.ts';
import { loopMount, makeExt4Image, needRoot, run, tempDir, unmount, waitFor } from '../helpers/system.ts';

test('ext4 mount, remount ro, remount rw and umount each reach a client as events', async (t) => {
  if (!needRoot(t)) return;
  const dir = await tempDir(t);
  const daemon = await startDaemon(t, join(dir, 'state'));
  const image = await makeExt4Image(dir);
  // Node passes argv as UTF-8, so the odd bytes go in the directory and mount(8) gets a symlink
  // to it; mount canonicalises the path, so the kernel records the real, odd one.
  const oddName = Buffer.concat([Buffer.from('mnt a\tb\n$(touch x);`id`|&\\'), Buffer.from([0xff, 0xfe])]);
  const realDir = Buffer.concat([Buffer.from(`${dir}/`), oddName]);
  await mkdir(realDir);
  const link = join(dir, 'link');
  await symlink(realDir, link);
  const mountpoint = decodeBytes(realDir);

  const start = (await daemon.get<{ lastSeq: number }>('/healthz')).lastSeq;
  const eventFor = (type: string, after: number) => async () => (await daemon.events(after)).find((e) => e.type === type && e.mountpoint === mountpoint);

  await loopMount(t, image, link);
  const mounted = await waitFor('MOUNT event', eventFor('MOUNT', start));
  assert.equal(mounted.fstype, 'ext4');
  assert.match(mounted.device ?? '', /^\/dev\/loop\d+$/);
  assert.ok(mounted.major !== undefined && mounted.major > 0);
  assert.deepEqual(mounted.sources, ['mountinfo']);
  const { mounts } = await daemon.get<{ mounts: MountState[] }>('/api/v1/mounts');
  const state = mounts.find((m) => m.mountpoint === mountpoint);
  assert.ok(state, 'the new mount is listed by /api/v1/mounts');
  assert.equal(state.readOnly, false);

  await run('mount', ['-o', 'remount,ro', link]);
  const toRo = await waitFor('REMOUNT to ro', eventFor('REMOUNT', mounted.seq));
  assert.deepEqual((toRo.data.before as { readOnly: boolean }).readOnly, false);
  assert.deepEqual((toRo.data.after as { readOnly: boolean }).readOnly, true);
  assert.ok((toRo.data.after as { mountOptions: string[] }).mountOptions.includes('ro'));
  const roState = await daemon.get<MountState>(`/api/v1/mounts/${mounted.mountId}`);
  assert.equal(roState.readOnly, true);

  await run('mount', ['-o', 'remount,rw', link]);
  const toRw = await waitFor('REMOUNT to rw', eventFor('REMOUNT', toRo.seq));
  assert.deepEqual((toRw.data.after as { readOnly: boolean }).readOnly, false);

  await unmount(link);
  const gone = await waitFor('UMOUNT event', eventFor('UMOUNT', toRw.seq));
  assert.equal(gone.mountId, mounted.mountId);
  const after = await daemon.get<{ mounts: MountState[] }>('/api/v1/mounts');
  assert.ok(!after.mounts.some((m) => m.mountpoint === mountpoint), 'the unmounted filesystem is no longer listed');

  const ours = (await daemon.events(start)).filter((e: FsEvent) => e.mountpoint === mountpoint).map((e) => e.type);
  assert.deepEqual(ours, ['MOUNT', 'REMOUNT', 'REMOUNT', 'UMOUNT']);
});
