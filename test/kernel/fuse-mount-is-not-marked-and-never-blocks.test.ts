/**
 * FUSE mounts cannot carry a fanotify FAN_FS_ERROR mark (statfs f_fsid is 0, the mark fails with
 * ENODEV): the fanotify source records that reason in its health and carries on. A FUSE server
 * that does not answer at all (bindfs stopped with SIGSTOP) must not block anything: its mark is
 * reported as not answering after markTimeoutMs, an ext4 mounted afterwards is still marked even
 * with one mark allowed in flight, and the late answer is applied once the server runs again.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { loopMount, makeExt4Image, needRoot, run, tempDir, waitFor } from '../helpers/system.ts';
import { startSources, type SourceRun } from '../helpers/sources.ts';

interface SuperblockDetail {
  mountpoint: string;
  state: string;
  reason?: string;
}

async function haveBindfs(t: TestContext): Promise<boolean> {
  const found = await run('sh', ['-c', 'command -v bindfs']).then(() => true, () => false);
  if (!found) t.skip('needs bindfs (apt-get install bindfs; scripts/test-deps.sh installs it)');
  return found;
}

/** Runs `bindfs -f src mountpoint` as a child (so its pid is known) until it is mounted. */
async function bindfs(t: TestContext, source: string, mountpoint: string): Promise<ChildProcess> {
  await mkdir(source, { recursive: true });
  await mkdir(mountpoint, { recursive: true });
  const child = spawn('bindfs', ['-f', source, mountpoint], { stdio: 'ignore' });
  t.after(() => {
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  });
  await waitFor(`bindfs on ${mountpoint}`, async () => ((await readFile('/proc/self/mountinfo', 'utf8')).includes(` ${mountpoint} `) ? true : undefined));
  return child;
}

function superblock(sources: SourceRun, mountpoint: string): SuperblockDetail | undefined {
  const list = (sources.health('fanotify').detail?.superblocks ?? []) as SuperblockDetail[];
  return list.find((sb) => sb.mountpoint === mountpoint);
}

test('a FUSE mount is recorded as not marked (ENODEV: no fsid), without an error state', async (t) => {
  if (!needRoot(t) || !(await haveBindfs(t))) return;
  const dir = await tempDir(t);
  const sources = await startSources(t, { mountinfo: {}, fanotify: {} });
  const mountpoint = join(dir, 'fuse');
  await bindfs(t, join(dir, 'src'), mountpoint);
  const sb = await waitFor('FUSE superblock settled', () => {
    const found = superblock(sources, mountpoint);
    return found && found.state !== 'queued' && found.state !== 'marking' ? found : undefined;
  });
  assert.equal(sb.state, 'not-marked');
  assert.match(sb.reason ?? '', /ENODEV/);
  assert.equal(sources.health('fanotify').state, 'up');
});

test('a FUSE server that never answers does not hold up marking of other filesystems', async (t) => {
  if (!needRoot(t) || !(await haveBindfs(t))) return;
  const dir = await tempDir(t);
  const mountpoint = join(dir, 'stopped');
  const server = await bindfs(t, join(dir, 'src'), mountpoint);
  server.kill('SIGSTOP');
  try {
    const sources = await startSources(t, { mountinfo: {}, fanotify: { markTimeoutMs: 300, maxMarksInFlight: 1 } });
    assert.equal(sources.health('fanotify').state, 'up');
    const hung = await waitFor('no answer from the stopped server', () => {
      const found = superblock(sources, mountpoint);
      return found?.state === 'no-answer' ? found : undefined;
    });
    assert.match(hung.reason ?? '', /no answer within 300 ms/);
    assert.equal(sources.health('fanotify').detail?.marksNotAnswering, 1);

    const ext4 = join(dir, 'ext4');
    await mkdir(ext4);
    await loopMount(t, await makeExt4Image(dir), ext4);
    await waitFor('ext4 marked while the FUSE mark still hangs', () => (superblock(sources, ext4)?.state === 'marked' ? true : undefined));

    server.kill('SIGCONT');
    const late = await waitFor('late answer applied', () => {
      const found = superblock(sources, mountpoint);
      return found?.state === 'not-marked' ? found : undefined;
    });
    assert.match(late.reason ?? '', /ENODEV/);
    assert.equal(sources.health('fanotify').detail?.marksNotAnswering, 0);
  } finally {
    server.kill('SIGCONT');
  }
});
