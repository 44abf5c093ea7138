/**
 * The fsevent source through real netlink sockets. No kernel here has the fs_event family (none in
 * mainline), so the source is pointed at a family id nobody uses and a generic netlink group nobody
 * owns (config familyId/groupId), and a test peer sends it wire-format messages built from the
 * reference: unicast to its port id, and multicast to the group for the overrun (only multicast
 * can overrun a socket: a unicast sender waits for room). The "family absent" case is real.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { Protocol } from 'netlink';
import { pino } from 'pino';
import { create } from '../../../../src/collector/sources/fsevent/index.ts';
import { ThresholdStore } from '../../../../src/collector/thresholds/store.ts';
import { SpaceMap } from '../../../../src/collector/space-store.ts';
import { fakeContext, mountEntry } from '../../../helpers/fake-context.ts';
import { UNUSED_FAMILY_ID, fsEventMessage, genlmsg, peer, u32, u64, unusedGenlGroup } from '../../../helpers/netlink-peer.ts';
import { startSources } from '../../../helpers/sources.ts';
import { isRoot, tempDir, waitFor } from '../../../helpers/system.ts';

const ROOT_REASON = 'needs root: sending to another netlink socket of these protocols needs CAP_NET_ADMIN';

test('without the family in the kernel the source is down and says why', async (t) => {
  const run = await startSources(t, { fsevent: {} });
  const health = run.health('fsevent');
  assert.equal(health.state, 'down');
  assert.match(health.reason ?? '', /fs_event generic netlink family is not registered/);
});

test('good, malformed and unknown messages from a peer: events for the good ones, every bad one counted', async (t) => {
  if (!isRoot) return t.skip(ROOT_REASON);
  const group = await unusedGenlGroup();
  const run = await startSources(t, { fsevent: { familyId: UNUSED_FAMILY_ID, groupId: group, acceptUserSpace: true } });
  const detail = run.health('fsevent').detail as Record<string, any>;
  const p = peer(t, Protocol.GENERIC);
  const dev = [{ type: 2, value: u32(7) }, { type: 3, value: u32(3) }];
  const messages = [
    fsEventMessage(UNUSED_FAMILY_ID, 1, { id: 3, major: 7, minor: 3, data: 1234 }),
    genlmsg(UNUSED_FAMILY_ID, 2, 1, dev), // no event id
    genlmsg(UNUSED_FAMILY_ID, 3, 1, [{ type: 1, value: u64(1) }, ...dev]), // wrongly typed id
    genlmsg(UNUSED_FAMILY_ID, 4, 1, [{ type: 1, value: u32(1) }, { type: 2, value: u32(7), length: 900 }]), // oversized length
    fsEventMessage(UNUSED_FAMILY_ID, 50, { id: 1, major: 7, minor: 3 }).subarray(0, 19), // truncated datagram (its seq unreadable)
    genlmsg(UNUSED_FAMILY_ID, 5, 1, [{ type: 1, value: u32(8) }, ...dev, { type: 99, value: Buffer.alloc(64, 1) }]), // unknown attribute
    genlmsg(UNUSED_FAMILY_ID, 6, 1, [{ type: 1, value: u32(12) }, ...dev]), // unknown event code
    genlmsg(UNUSED_FAMILY_ID + 1, 7, 1, [{ type: 1, value: u32(1) }, ...dev]), // another family
  ];
  for (const message of messages) await p.unicast(detail.port, message);
  await waitFor('every datagram', () => (detail.datagrams === messages.length ? true : undefined));
  assert.deepEqual(run.observations.map((o) => [o.type, o.mount?.devno?.major, o.mount?.devno?.minor]), [
    ['THR_LRBELOW', 7, 3],
    ['ERR_CORRUPTED', 7, 3],
  ]);
  assert.equal(run.observations[0]!.data.availableBlocks, 1234);
  assert.deepEqual(detail.dropped, { 'no-event-id': 1, 'bad-attribute': 1, 'truncated-attribute': 1, 'bad-length': 1 });
  assert.deepEqual(detail.skipped, { 'unknown-event': 1, 'other-family': 1 });
  assert.equal(run.health('fsevent').state, 'up');
  assert.equal(run.health('fsevent').lost, 0, 'the numbers of the family\'s readable messages are contiguous');
});

test('messages not sent by the kernel are ignored unless acceptUserSpace is on', async (t) => {
  if (!isRoot) return t.skip(ROOT_REASON);
  const group = await unusedGenlGroup();
  const run = await startSources(t, { fsevent: { familyId: UNUSED_FAMILY_ID, groupId: group } });
  const detail = run.health('fsevent').detail as Record<string, any>;
  const p = peer(t, Protocol.GENERIC);
  await p.unicast(detail.port, fsEventMessage(UNUSED_FAMILY_ID, 1, { id: 7, major: 7, minor: 3 }));
  await p.multicast(group, fsEventMessage(UNUSED_FAMILY_ID, 2, { id: 7, major: 7, minor: 3 }));
  await waitFor('both datagrams', () => (detail.datagrams === 2 ? true : undefined));
  assert.equal(detail.foreign, 2);
  assert.equal(run.observations.length, 0);
});

test('an overrun is counted exactly, reported as EVENTS_LOST, and re-arms the kernel thresholds', async (t) => {
  if (!isRoot) return t.skip(ROOT_REASON);
  const dir = await tempDir(t);
  const sys = join(dir, 'sys');
  await mkdir(join(sys, 'fs/events'), { recursive: true });
  const kernelFile = join(sys, 'fs/events/config');
  await writeFile(kernelFile, '');
  const fake = fakeContext([mountEntry(40, '7:3', '/srv/fsevd-test')], { sys });
  const thresholds = await ThresholdStore.open({ defaults: '', lines: ['/srv/fsevd-test T 1000 500'] }, { stateDir: dir, sys, mounts: fake.table, space: new SpaceMap(), log: pino({ level: 'silent' }) });
  assert.ok(thresholds.kernelManaged('/srv/fsevd-test'), 'the stand-in kernel file took the levels');
  const group = await unusedGenlGroup();
  const source = create({ enabled: true, familyId: UNUSED_FAMILY_ID, groupId: group, protocol: 'v3', acceptUserSpace: true, receiveBufferBytes: 4096 }, { mountTable: fake.table, thresholds });
  t.after(() => source.stop());
  await source.start(fake.ctx);
  const detail = fake.health.detail as Record<string, any>;
  const p = peer(t, Protocol.GENERIC);
  const sent = 400;
  // Synchronous sends while this test holds the event loop: the source cannot read meanwhile.
  for (let seq = 1; seq <= sent; seq++) void p.multicast(group, fsEventMessage(UNUSED_FAMILY_ID, seq, { id: 1, major: 7, minor: 3 }));
  await new Promise((resolve) => setTimeout(resolve, 100));
  await p.multicast(group, fsEventMessage(UNUSED_FAMILY_ID, sent + 1, { id: 1, major: 7, minor: 3 }));
  const lossEvent = await waitFor('EVENTS_LOST', () => fake.emitted.find((o) => o.type === 'EVENTS_LOST'));
  const events = fake.emitted.filter((o) => o.type === 'WARN_ENOSPC').length;
  assert.ok(fake.lost > 0, 'something was lost');
  assert.equal(events + fake.lost, sent + 1, 'every message was either received or counted lost');
  assert.equal(lossEvent.data.lost, fake.lost);
  assert.equal(lossEvent.data.reason, 'netlink socket overrun (receive buffer full)');
  assert.equal(detail.kernelDrops, fake.lost);
  const written = await waitFor('the re-arm', async () => {
    const lines = (await readFile(kernelFile, 'utf8')).split('\n').filter((l) => l.includes('T 1000 500'));
    return lines.length >= 2 ? lines : undefined;
  });
  assert.deepEqual(written, ['/srv/fsevd-test T 1000 500', '/srv/fsevd-test T 1000 500']);
  assert.equal(detail.resyncs, 1);
});
