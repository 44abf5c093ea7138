/**
 * Real ext4 errors on loop devices reach the fanotify and sysfs sources as FS_ERROR observations
 * naming the right superblock: an error raised through /sys/fs/ext4/<dev>/trigger_fs_error
 * (errno 117 EUCLEAN from fanotify, errors_count +1 from sysfs), an error on a filesystem mounted
 * after the sources started, and a directory block damaged on disk (errno 74 EBADMSG, with the
 * inode of the directory decoded from the file handle; sysfs adds errors_count and warning_count).
 */
import assert from 'node:assert/strict';
import { open, mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { MountEntry, Observation } from '../../src/collector/types.ts';
import { loopMount, needRoot, run, tempDir, waitFor } from '../helpers/system.ts';
import { startSources, type SourceRun } from '../helpers/sources.ts';

const BLOCK_SIZE = 4096;

async function ext4(t: TestContext, dir: string, name: string): Promise<{ image: string; mountpoint: string }> {
  const image = join(dir, `${name}.img`);
  const mountpoint = join(dir, name);
  await run('truncate', ['-s', '32M', image]);
  await run('mkfs.ext4', ['-q', '-F', '-b', String(BLOCK_SIZE), image]);
  await mkdir(mountpoint);
  await loopMount(t, image, mountpoint, 'loop,errors=continue');
  return { image, mountpoint };
}

/** Waits until the mount is in the table and its superblock carries the fanotify mark. */
async function marked(sources: SourceRun, mountpoint: string): Promise<MountEntry> {
  const entry = await waitFor(`${mountpoint} in the mount table`, () => sources.table.all().find((e) => e.mountpoint === mountpoint));
  await waitFor(`fanotify mark on ${mountpoint}`, () => {
    const superblocks = (sources.health('fanotify').detail?.superblocks ?? []) as Array<{ mountpoint: string; state: string }>;
    return superblocks.find((sb) => sb.mountpoint === mountpoint && sb.state === 'marked');
  });
  return entry;
}

function errorsOn(sources: SourceRun, source: string, entry: MountEntry): Observation[] {
  return sources.observations.filter(
    (o) => o.source === source && o.type === 'FS_ERROR' && o.mount?.devno?.major === entry.major && o.mount.devno.minor === entry.minor,
  );
}

async function start(t: TestContext): Promise<SourceRun> {
  const sources = await startSources(t, { mountinfo: {}, fanotify: {}, sysfs: { followUpMs: 200 } });
  assert.equal(sources.health('fanotify').state, 'up', `fanotify is down: ${sources.health('fanotify').reason}`);
  return sources;
}

test('trigger_fs_error on a mounted ext4 gives FS_ERROR errno 117 from fanotify and errors_count +1 from sysfs', async (t) => {
  if (!needRoot(t)) return;
  const dir = await tempDir(t);
  const fs = await ext4(t, dir, 'before');
  const sources = await start(t);
  const entry = await marked(sources, fs.mountpoint);
  assert.ok(entry.kernelName, 'the loop device has a kernel name');

  await writeFile(`/sys/fs/ext4/${entry.kernelName}/trigger_fs_error`, 'fsevd test error');
  const [fan] = await waitFor('fanotify FS_ERROR', () => {
    const found = errorsOn(sources, 'fanotify', entry);
    return found.length > 0 ? found : undefined;
  });
  assert.equal(fan!.data.errno, 117);
  assert.ok((fan!.data.errorCount as number) >= 1);
  assert.match(String(fan!.data.fsid), /^[0-9a-f]{8}:[0-9a-f]{8}$/);
  assert.equal(fan!.data.inode, undefined, 'a superblock-wide error carries no inode');

  // The daemon calls refresh() when an error is published; here the test does.
  (sources.source('sysfs') as unknown as { refresh(reason: string): void }).refresh('test');
  const [counted] = await waitFor('sysfs FS_ERROR', () => {
    const found = errorsOn(sources, 'sysfs', entry);
    return found.length > 0 ? found : undefined;
  });
  assert.equal(counted!.data.counter, 'errors_count');
  assert.equal(counted!.data.delta, 1);
  assert.equal(counted!.data.errno, 117, 'last_error_errcode 5 (EFSCORRUPTED) is errno 117');
  assert.equal(counted!.data.function, 'trigger_test_error');
});

test('an ext4 mounted after the source started is marked and reports its errors', async (t) => {
  if (!needRoot(t)) return;
  const dir = await tempDir(t);
  const sources = await start(t);
  const fs = await ext4(t, dir, 'later');
  const entry = await marked(sources, fs.mountpoint);

  await writeFile(`/sys/fs/ext4/${entry.kernelName}/trigger_fs_error`, 'late');
  const found = await waitFor('fanotify FS_ERROR on the new mount', () => errorsOn(sources, 'fanotify', entry)[0]);
  assert.equal(found.data.errno, 117);
});

test('a directory block damaged on disk gives FS_ERROR errno 74 (EBADMSG) with the directory inode', async (t) => {
  if (!needRoot(t)) return;
  const dir = await tempDir(t);
  const fs = await ext4(t, dir, 'damaged');
  const victim = join(fs.mountpoint, 'victim-dir');
  await mkdir(victim);
  for (let i = 0; i < 40; i++) await writeFile(join(victim, `entry-${i}`), '');
  await run('sync', []);
  const sources = await start(t);
  const entry = await marked(sources, fs.mountpoint);

  const blocks = (await run('debugfs', ['-R', 'blocks /victim-dir', entry.device])).trim().split(/\s+/).map(Number);
  assert.ok(blocks[0]! > 0, `debugfs found the directory block (${blocks.join(' ')})`);
  // Checkpoint the journal so jbd2 holds no copy of the block, overwrite it in the image, and
  // drop the block device's cached buffer so the next read sees the damage
  // (shared/reference/observed-on-this-kernel.md §1, "online corruption of a directory block").
  await run('fsfreeze', ['-f', fs.mountpoint]);
  await run('fsfreeze', ['-u', fs.mountpoint]);
  const handle = await open(fs.image, 'r+');
  await handle.write(Buffer.alloc(BLOCK_SIZE, 'Z'), 0, BLOCK_SIZE, blocks[0]! * BLOCK_SIZE);
  await handle.sync();
  await handle.close();
  await run('blockdev', ['--flushbufs', entry.device]);

  await assert.rejects(run('ls', [victim]), /Bad message/);
  const found = await waitFor('fanotify FS_ERROR 74', () => errorsOn(sources, 'fanotify', entry).find((o) => o.data.errno === 74));
  const inode = (await stat(victim)).ino;
  assert.equal(found.data.inode, inode, 'the file handle names the damaged directory');

  // The counters tell the same story: errors_count with last_error_errcode 4 (EFSBADCRC) and the
  // inode, and warning_count for ext4's "No space for directory leaf checksum" warning.
  (sources.source('sysfs') as unknown as { refresh(reason: string): void }).refresh('test');
  const counted = await waitFor('sysfs FS_ERROR 74', () => errorsOn(sources, 'sysfs', entry).find((o) => o.data.errno === 74));
  assert.equal(counted.data.inode, inode);
  const warned = await waitFor('sysfs FS_WARNING', () => sources.observations.find((o) => o.source === 'sysfs' && o.type === 'FS_WARNING' && o.mount?.devno?.minor === entry.minor));
  assert.ok((warned.data.delta as number) >= 1);
});
