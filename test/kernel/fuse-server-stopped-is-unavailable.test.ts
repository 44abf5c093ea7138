/**
 * A real FUSE filesystem (bindfs) whose server process is stopped with SIGSTOP: statfs of it hangs
 * in the kernel, yet the daemon reports FS_UNAVAILABLE within the probe timeout while its API
 * (/api/v1/mounts, /healthz) keeps answering; after SIGCONT the hung call returns and
 * FS_AVAILABLE follows. When the server is killed, statfs fails with ENOTCONN and the mount is
 * reported FS_UNAVAILABLE again, as permanent. The FUSE server is always continued, killed and
 * its mount lazily unmounted, even when the test fails.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { DaemonProcess } from '../helpers/daemon.ts';
import { eventsOn, mountAt, startConfiguredDaemon } from '../helpers/thresholds.ts';
import { needRoot, run, tempDir, waitFor } from '../helpers/system.ts';

const BINDFS = ['/usr/bin/bindfs', '/bin/bindfs'].find((path) => existsSync(path));
const PROBE_TIMEOUT_MS = 1000;

/** GETs that must keep answering while the mount hangs (a hung daemon would time them out). */
async function apiAnswers(daemon: DaemonProcess): Promise<void> {
  for (const path of ['/healthz', '/api/v1/mounts']) {
    const response = await fetch(daemon.url + path, { signal: AbortSignal.timeout(10_000) });
    assert.equal(response.status, 200, path);
  }
}

test('a stopped FUSE server makes the mount FS_UNAVAILABLE and SIGCONT FS_AVAILABLE; a killed one ENOTCONN', async (t) => {
  if (!needRoot(t)) return;
  if (!BINDFS) return void t.skip('needs bindfs (Debian package bindfs; scripts/test-deps.sh installs it)');
  let server: ChildProcess | undefined;
  let mnt: string | undefined;
  // Registered before tempDir so that it runs first: a stopped server would hang the unmount.
  t.after(async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      server.kill('SIGCONT');
      server.kill('SIGKILL');
      await once(server, 'exit');
    }
    if (mnt) await run('fusermount', ['-u', '-z', mnt]).catch(() => run('umount', ['-l', mnt!]).catch(() => undefined));
  });
  const dir = await tempDir(t);
  const source = join(dir, 'source');
  mnt = join(dir, 'mnt');
  await mkdir(source);
  await mkdir(mnt);
  server = spawn(BINDFS, ['-f', source, mnt], { stdio: 'ignore' });
  const fuse = mnt;
  const daemon = await startConfiguredDaemon(t, dir, {
    sources: { statfs: { fuse: { maxIntervalMs: 300, timeoutMs: PROBE_TIMEOUT_MS }, damping: { maxTransitions: 10 } } },
  });
  const sampled = await waitFor('the daemon to sample the FUSE mount', async () => {
    const state = await mountAt(daemon, fuse);
    return state?.space && state.probe?.class === 'fuse' ? state : undefined;
  }, 20_000);
  assert.equal(sampled.available, true);
  const start = (await daemon.get<{ lastSeq: number }>('/healthz')).lastSeq;

  server.kill('SIGSTOP');
  const down = await waitFor('FS_UNAVAILABLE while the server is stopped', async () => {
    await apiAnswers(daemon);
    return (await eventsOn(daemon, fuse, ['FS_UNAVAILABLE'], start))[0];
  }, 20_000);
  assert.equal(down.data.transient, true);
  assert.match(String(down.data.reason), /probe timeout/);
  const hung = await mountAt(daemon, fuse);
  assert.equal(hung?.available, false);
  assert.equal(hung?.unavailable?.kind, 'transient');
  assert.ok(hung?.probe?.pendingSince, 'the hung call is still out and no second one was started');
  // Several more probe periods: still one event, and the API keeps answering.
  await waitFor('the probe to stay blocked for 3 more periods', async () => {
    await apiAnswers(daemon);
    return Date.now() - Date.parse(down.time) > 3 * 300 ? true : undefined;
  });
  assert.equal((await eventsOn(daemon, fuse, ['FS_UNAVAILABLE'], start)).length, 1);

  server.kill('SIGCONT');
  const up = await waitFor('FS_AVAILABLE after SIGCONT', async () => (await eventsOn(daemon, fuse, ['FS_AVAILABLE'], down.seq))[0], 20_000);
  assert.ok((up.data.unavailableForMs as number) > 0);
  assert.equal((await mountAt(daemon, fuse))?.available, true);

  server.kill('SIGKILL');
  await once(server, 'exit');
  const gone = await waitFor('FS_UNAVAILABLE after the server was killed', async () => (await eventsOn(daemon, fuse, ['FS_UNAVAILABLE'], up.seq))[0], 20_000);
  assert.equal(gone.data.reason, 'ENOTCONN');
  assert.equal(gone.data.transient, false);
  assert.equal((await mountAt(daemon, fuse))?.unavailable?.kind, 'permanent');
});
