/**
 * Real kernel uevents from loop devices (observed here: attach sends `change` + `change
 * DISK_MEDIA_CHANGE=1`; `losetup -c` after a truncate sends `change RESIZE=1`; `losetup -d` on a
 * mounted loop only sets autoclear, and the detach with its `change DISK_MEDIA_CHANGE=1` comes at
 * umount, in the same millisecond as the unmount):
 * - growing the device under a mounted ext4 is DEVICE_CHANGED (resize, new size) on that mount,
 *   in the source and through the whole daemon (an event on that mountpoint in the journal);
 * - detaching it while mounted publishes nothing, and the media change at umount is recognised
 *   as belonging to a filesystem that is already gone (confirmed against a fresh mountinfo);
 * - a real overrun of the uevent socket (kernel uevents written to a sysfs uevent file while the
 *   event loop is held) is counted exactly from the socket's drop counter and reported.
 * A `remove` under a mounted filesystem cannot be produced with loop devices (the kernel refuses
 * to delete a bound loop device); see scsi-device-deleted-under-mount-is-device-removed.test.ts.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { startDaemon } from '../helpers/daemon.ts';
import { startSources } from '../helpers/sources.ts';
import { makeExt4Image, needRoot, run, tempDir, unmount, waitFor } from '../helpers/system.ts';

/** A 16 MiB ext4 image on a loop device of its own (not `mount -o loop`: the test detaches it), mounted. */
async function loopMounted(t: TestContext): Promise<{ dir: string; image: string; loop: string; mnt: string }> {
  const dir = await tempDir(t);
  const image = await makeExt4Image(dir, 16);
  const loop = (await run('losetup', ['-f', '--show', image])).trim();
  t.after(() => run('losetup', ['-d', loop]).catch(() => undefined));
  const mnt = join(dir, 'mnt');
  await mkdir(mnt);
  await run('mount', [loop, mnt]);
  t.after(() => unmount(mnt));
  return { dir, image, loop, mnt };
}

test('a loop device grown under a mounted ext4 is DEVICE_CHANGED; detaching it while mounted publishes nothing', async (t) => {
  if (!needRoot(t)) return;
  const { dir, image, loop, mnt } = await loopMounted(t);
  const sources = await startSources(t, { mountinfo: {}, uevent: {} });
  const entry = await waitFor('the mount in the table', () => sources.table.all().find((m) => m.mountpoint === mnt));
  const detail = sources.health('uevent').detail as Record<string, any>;
  const mine = () => sources.observations.filter((o) => o.source === 'uevent' && o.type !== 'EVENTS_LOST' && o.data.major === entry.major && o.data.minor === entry.minor);

  await run('truncate', ['-s', '24M', image]);
  await run('losetup', ['-c', loop]);
  const resized = await waitFor('DEVICE_CHANGED', () => mine().find((o) => o.type === 'DEVICE_CHANGED'));
  assert.equal(resized.data.change, 'resize');
  assert.equal(resized.data.sizeBytes, 24 * 1024 * 1024);
  assert.deepEqual(resized.mount, { devno: { major: entry.major, minor: entry.minor } });
  assert.equal(resized.data.devName, entry.kernelName);

  const before = { ...detail.skipped, unmountedMeanwhile: detail.unmountedMeanwhile ?? 0 };
  await run('losetup', ['-d', loop]); // lazy: the fs keeps the device until umount
  await run('umount', [mnt]);
  // The detach's media change, answered as "not mounted" (the table already knew) or "unmounted
  // meanwhile" (the fresh mountinfo did): either way counted, never published.
  await waitFor('the media change at umount', () => ((detail.skipped['not-mounted'] ?? 0) + (detail.unmountedMeanwhile ?? 0) > (before['not-mounted'] ?? 0) + before.unmountedMeanwhile ? true : undefined));
  assert.deepEqual(mine().map((o) => o.type), ['DEVICE_CHANGED'], 'nothing else was published for the device');
});

test('through the daemon: the resize is a DEVICE_CHANGED event on the mountpoint', async (t) => {
  if (!needRoot(t)) return;
  const { dir, image, loop, mnt } = await loopMounted(t);
  const daemon = await startDaemon(t, join(dir, 'state'));
  await waitFor('the mount in the daemon', async () => (await daemon.get<{ mounts: Array<{ mountpoint: string }> }>('/api/v1/mounts')).mounts.find((m) => m.mountpoint === mnt));
  await run('truncate', ['-s', '20M', image]);
  await run('losetup', ['-c', loop]);
  const event = await waitFor('DEVICE_CHANGED on the mountpoint', async () => (await daemon.events(0)).find((e) => e.type === 'DEVICE_CHANGED' && e.mountpoint === mnt));
  assert.deepEqual(event.sources, ['uevent']);
  assert.equal(event.data.change, 'resize');
  assert.equal(event.data.sizeBytes, 20 * 1024 * 1024);
  assert.equal(event.code, 30);
});

test('a real overrun of the uevent socket is counted exactly and reported as EVENTS_LOST', async (t) => {
  if (!needRoot(t)) return;
  const sources = await startSources(t, { uevent: { receiveBufferBytes: 4096 } });
  const detail = sources.health('uevent').detail as Record<string, any>;
  // The kernel sends a `change` uevent for every write of "change" to a device's uevent file
  // (kobject_synth_uevent); /dev/null's is harmless to every other listener (subsystem mem).
  const writer = spawn('sh', ['-c', 'i=0; while [ $i -lt 400 ]; do echo change > /sys/devices/virtual/mem/null/uevent; i=$((i+1)); done'], { stdio: 'ignore' });
  const exited = new Promise((resolve) => writer.on('exit', resolve));
  // Hold the event loop while the writer runs: the socket fills and the kernel drops the rest.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500);
  await exited;
  const lost = await waitFor('EVENTS_LOST', () => sources.observations.find((o) => o.type === 'EVENTS_LOST'), 5000);
  assert.ok(Number(lost.data.lost) > 0);
  assert.equal(lost.data.reason, 'netlink socket overrun (receive buffer full)');
  await waitFor('every drop reported', () => (sources.health('uevent').lost === detail.kernelDrops ? true : undefined), 5000);
  assert.ok(detail.skipped['not-block'] > 0, 'the uevents that fitted were read and skipped (subsystem mem)');
  await waitFor('the resync after the loss', () => (detail.resyncs >= 1 ? true : undefined));
  assert.equal(sources.health('uevent').state, 'up');
});
