/**
 * The uevent source through real netlink sockets with a real mount: a test peer unicasts
 * kernel-format uevents about the loop device under a mounted ext4 to the source's port id (only
 * the kernel may multicast to the uevent group without side effects for every other listener on
 * the machine, so the peer never does). Forged messages are refused unless acceptUserSpace is on.
 */
import assert from 'node:assert/strict';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Protocol } from 'netlink';
import { peer, ueventMessage } from '../../../helpers/netlink-peer.ts';
import { startSources } from '../../../helpers/sources.ts';
import { loopMount, makeExt4Image, needRoot, tempDir, waitFor } from '../../../helpers/system.ts';

test('uevents about the device under a mounted filesystem become events on it; junk and forgeries are counted', async (t) => {
  if (!needRoot(t)) return;
  const dir = await tempDir(t);
  const mnt = join(dir, 'mnt');
  await mkdir(mnt);
  await loopMount(t, await makeExt4Image(dir), mnt);
  const run = await startSources(t, { mountinfo: {}, uevent: { acceptUserSpace: true } });
  const entry = await waitFor('the mount in the table', () => run.table.all().find((m) => m.mountpoint === mnt));
  const { major, minor } = entry;
  assert.equal((await stat(mnt)).dev >> 8, major);
  const detail = run.health('uevent').detail as Record<string, any>;
  const p = peer(t, Protocol.KOBJECT_UEVENT);
  const devpath = `/devices/virtual/block/${entry.kernelName}`;
  const props = { SUBSYSTEM: 'block', MAJOR: major, MINOR: minor, DEVNAME: entry.kernelName!, DEVTYPE: 'disk' };
  const datagrams = [
    ueventMessage('change', devpath, 900_000_001, { ...props, RESIZE: 1 }),
    ueventMessage('change', devpath, 900_000_002, props), // plain change: not news
    Buffer.from('libudev\0feed', 'latin1'),
    Buffer.from('remove@/x\0ACTION=remove\0', 'latin1'), // missing DEVPATH, SUBSYSTEM, SEQNUM
    ueventMessage('remove', devpath, 900_000_003, props),
  ];
  for (const datagram of datagrams) await p.unicast(detail.port, datagram);
  await waitFor('two device events', () => (run.observations.filter((o) => o.source === 'uevent').length >= 2 ? true : undefined));
  const events = run.observations.filter((o) => o.source === 'uevent');
  assert.deepEqual(events.map((o) => [o.type, o.data.change]), [['DEVICE_CHANGED', 'resize'], ['DEVICE_REMOVED', undefined]]);
  for (const o of events) assert.deepEqual(o.mount, { devno: { major, minor } });
  assert.equal(events[0]!.data.sizeBytes, 16 * 1024 * 1024, 'the size is read from sysfs');
  assert.equal(detail.dropped.libudev, 1);
  assert.equal(detail.dropped['missing-property'], 1);
  assert.equal(detail.skipped['plain-change'], 1);
  assert.equal(run.health('uevent').lost, 0);

  const strict = await startSources(t, { uevent: {} });
  const strictDetail = strict.health('uevent').detail as Record<string, any>;
  await p.unicast(strictDetail.port, ueventMessage('remove', devpath, 900_000_004, props));
  await waitFor('the forged datagram', () => (strictDetail.foreign >= 1 ? true : undefined));
  assert.equal(strict.observations.length, 0, 'a user-space sender is not the kernel');
});
