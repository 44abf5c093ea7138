/**
 * Real btrfs data corruption on loop devices (observed-on-this-kernel.md §3). btrfs reports it
 * only in the kernel log; "csum failed" does not say whether a good copy exists, so fsevd holds it
 * until the repair line or a timeout decides:
 * - raid1 over two loop devices, one copy of a block damaged, then read (new processes, cache
 *   dropped, until the bad mirror is hit) → CORRECTED_CHECKSUM_ERROR; a block damaged on the other
 *   device and a scrub → CORRECTED_CHECKSUM_ERROR;
 * - a single copy damaged, then read (EIO) → UNCORRECTED_CHECKSUM_ERROR; scrub → the same.
 */
import assert from 'node:assert/strict';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { FsEvent } from '../../src/collector/types.ts';
import type { DaemonProcess } from '../helpers/daemon.ts';
import { damageBlock, eventsOf, findBlock, mountState, startDaemonWith, tagOf, writeTaggedFile } from '../helpers/faults.ts';
import { needRoot, run, tempDir, unmount, waitFor } from '../helpers/system.ts';

const CHECKSUM = ['CORRECTED_CHECKSUM_ERROR', 'UNCORRECTED_CHECKSUM_ERROR'];

async function loopDevice(t: TestContext, image: string): Promise<string> {
  await run('truncate', ['-s', '160M', image]);
  const device = (await run('losetup', ['-f', '--show', image])).trim();
  t.after(() => run('losetup', ['-d', device]).catch(() => undefined));
  return device;
}

async function mountBtrfs(t: TestContext, device: string, mountpoint: string): Promise<void> {
  await run('mount', ['-t', 'btrfs', device, mountpoint]);
  t.after(() => unmount(mountpoint));
}

/** Reads the file in a new process after dropping its cached pages; true when the read failed. */
async function coldRead(file: string, attempt = 0): Promise<boolean> {
  // raid1 chooses the mirror by pid parity and every attempt spawns the same number of processes:
  // one extra process on odd attempts flips the parity, so both mirrors get read.
  if (attempt % 2 === 1) await run('true', []);
  await run('dd', [`if=${file}`, 'iflag=nocache', 'count=0', 'status=none']);
  return run('cat', [file]).then(() => false, () => true);
}

/**
 * Checksum events of the mount after `since`, once one of `type` has data[key] === value. Reports
 * of one fault fold into a follow-up whose data merges theirs, so the test looks for a field the
 * expected line adds rather than for the line's own pattern.
 */
async function checksumEvents(daemon: DaemonProcess, mountpoint: string, since: number, type: string, key: string, value: unknown): Promise<FsEvent[]> {
  let found: FsEvent[] = [];
  return waitFor(`${type} with ${key}=${String(value)}`, async () => {
    found = await eventsOf(daemon, mountpoint, CHECKSUM, since);
    return found.some((e) => e.type === type && e.data[key] === value) ? found : undefined;
  }, 15_000).catch((err: Error) => {
    throw new Error(`${err.message}; checksum events seen: ${JSON.stringify(found.map((e) => ({ type: e.type, sources: e.sources, data: e.data })))}`);
  });
}

async function setup(t: TestContext) {
  const tools = await run('sh', ['-c', 'command -v mkfs.btrfs && command -v btrfs']).catch(() => '');
  if (!tools.trim()) return void t.skip('needs btrfs-progs; scripts/test-deps.sh installs it');
  const dir = await tempDir(t);
  const daemon = await startDaemonWith(t, dir, { correlation: { windowMs: 300 }, sources: { kmsg: { correctionWaitMs: 300 } } });
  return { dir, daemon };
}

test('btrfs raid1: a damaged copy read back or scrubbed is CORRECTED_CHECKSUM_ERROR', async (t) => {
  if (!needRoot(t)) return;
  const ready = await setup(t);
  if (!ready) return;
  const { dir, daemon } = ready;
  const [imageA, imageB] = [join(dir, 'a.img'), join(dir, 'b.img')];
  const [deviceA, deviceB] = [await loopDevice(t, imageA), await loopDevice(t, imageB)];
  await run('mkfs.btrfs', ['-q', '-f', '-d', 'raid1', '-m', 'raid1', deviceA, deviceB]);
  await run('btrfs', ['device', 'scan', deviceA, deviceB]); // no udev here to do it
  const mountpoint = join(dir, 'mnt');
  await mkdir(mountpoint);
  await mountBtrfs(t, deviceA, mountpoint);
  const file = join(mountpoint, 'victim.dat');
  await writeTaggedFile(file, 'R', 64);
  const inode = (await stat(file)).ino;
  await unmount(mountpoint);
  const offset = await findBlock(imageA, tagOf('R', 5));
  assert.ok(offset !== undefined, 'block 5 is on device A');
  await damageBlock(imageA, offset);
  await run('mount', ['-t', 'btrfs', deviceA, mountpoint]);
  const start = (await mountState(daemon, mountpoint)) && (await daemon.get<{ lastSeq: number }>('/healthz')).lastSeq;

  // raid1 picks the mirror by the reader's pid: read in new processes until one hits the bad copy.
  for (let i = 0; i < 30 && !(await eventsOf(daemon, mountpoint, CHECKSUM, start)).length; i++) {
    assert.equal(await coldRead(file, i), false, 'raid1 repairs the read: the reader never sees an error');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const read = await checksumEvents(daemon, mountpoint, start, 'CORRECTED_CHECKSUM_ERROR', 'offset', 5 * 4096);
  assert.ok(read.every((e) => e.type === 'CORRECTED_CHECKSUM_ERROR'), JSON.stringify(read));
  assert.equal(read[0]!.data.inode, inode);
  assert.equal(read[0]!.data.offset, 5 * 4096);
  assert.deepEqual(read[0]!.sources, ['kmsg']);

  const offsetB = await findBlock(imageB, tagOf('R', 9));
  assert.ok(offsetB !== undefined, 'block 9 is on device B');
  await damageBlock(imageB, offsetB);
  const beforeScrub = (await daemon.get<{ lastSeq: number }>('/healthz')).lastSeq;
  await run('btrfs', ['scrub', 'start', '-B', mountpoint], { timeoutMs: 60_000 });
  const scrub = await checksumEvents(daemon, mountpoint, beforeScrub, 'CORRECTED_CHECKSUM_ERROR', 'scrub', true);
  assert.ok(scrub.every((e) => e.type === 'CORRECTED_CHECKSUM_ERROR'), JSON.stringify(scrub));
  assert.equal(scrub.find((e) => e.data.scrub)!.data.bdev, deviceB, 'the event names the device that had the bad copy');
});

test('btrfs single copy: a damaged block read back or scrubbed is UNCORRECTED_CHECKSUM_ERROR', async (t) => {
  if (!needRoot(t)) return;
  const ready = await setup(t);
  if (!ready) return;
  const { dir, daemon } = ready;
  const image = join(dir, 's.img');
  const device = await loopDevice(t, image);
  await run('mkfs.btrfs', ['-q', '-f', '-d', 'single', '-m', 'dup', device]);
  const mountpoint = join(dir, 'mnt');
  await mkdir(mountpoint);
  await mountBtrfs(t, device, mountpoint);
  const file = join(mountpoint, 'victim.dat');
  await writeTaggedFile(file, 'S', 64);
  await run('sync', []);
  const inode = (await stat(file)).ino;
  const start = (await mountState(daemon, mountpoint)) && (await daemon.get<{ lastSeq: number }>('/healthz')).lastSeq;
  const offset = await findBlock(image, tagOf('S', 5));
  assert.ok(offset !== undefined);
  await damageBlock(image, offset);

  assert.equal(await coldRead(file), true, 'with no good copy the reader gets EIO');
  const read = await checksumEvents(daemon, mountpoint, start, 'UNCORRECTED_CHECKSUM_ERROR', 'offset', 5 * 4096);
  assert.ok(read.every((e) => e.type === 'UNCORRECTED_CHECKSUM_ERROR'), JSON.stringify(read));
  assert.equal(read[0]!.data.inode, inode);

  const beforeScrub = (await daemon.get<{ lastSeq: number }>('/healthz')).lastSeq;
  await assert.rejects(run('btrfs', ['scrub', 'start', '-B', mountpoint], { timeoutMs: 60_000 }), 'scrub exits non-zero on uncorrectable errors');
  // Scrub's detail line names the damaged file; it is in the first event or its follow-up.
  const scrub = await checksumEvents(daemon, mountpoint, beforeScrub, 'UNCORRECTED_CHECKSUM_ERROR', 'path', 'victim.dat');
  assert.ok(scrub.every((e) => e.type === 'UNCORRECTED_CHECKSUM_ERROR'), JSON.stringify(scrub));
  assert.ok(scrub.some((e) => e.data.scrub === true));
});
