/**
 * The quota source on the kernel's real VFS_DQUOT family and "events" group, fed by a test peer:
 * this kernel has the family but no quota format, so it cannot raise real warnings
 * (observed-on-this-kernel.md §5; test/kernel/ext4-quota-warnings-reach-quota-source.test.ts runs
 * where it can). Root may multicast to the group; the peer does exactly that, in the wire format
 * of fs/quota/netlink.c. Nothing else on this machine listens to the group.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Protocol } from 'netlink';
import { resolveFamily } from '../../../../src/util/netlink/genl.ts';
import { genlmsg, peer, quotaMessage, u32 } from '../../../helpers/netlink-peer.ts';
import { startSources } from '../../../helpers/sources.ts';
import { isRoot, waitFor } from '../../../helpers/system.ts';

test('warnings multicast to the VFS_DQUOT group become QUOTA_* observations; forged ones are refused by default', async (t) => {
  const family = await resolveFamily(['VFS_DQUOT']);
  if (!family) return t.skip('kernel without CONFIG_QUOTA_NETLINK_INTERFACE: no VFS_DQUOT family');
  if (!isRoot) return t.skip('needs root: sending to a netlink multicast group needs CAP_NET_ADMIN');
  const group = family.groups.get('events')!;
  const run = await startSources(t, { quota: { acceptUserSpace: true } });
  assert.equal(run.health('quota').state, 'up');
  const detail = run.health('quota').detail as Record<string, any>;
  assert.equal(detail.familyId, family.id);
  const p = peer(t, Protocol.GENERIC);
  // Numbers far from anything the kernel's own counter would use on this idle family.
  const base = 3_000_000_000;
  await p.multicast(group, quotaMessage(family.id, base, { qtype: 0, id: 1001, warning: 6, major: 7, minor: 5 }));
  await p.multicast(group, quotaMessage(family.id, base + 1, { qtype: 1, id: 100, warning: 4, major: 7, minor: 5 }));
  await p.multicast(group, genlmsg(family.id, base + 2, 1, [{ type: 1, value: u32(0) }])); // missing attributes
  await p.multicast(group, quotaMessage(family.id, base + 3, { qtype: 0, id: 1001, warning: 10, major: 7, minor: 5 }));
  await waitFor('the datagrams', () => (detail.datagrams >= 4 ? true : undefined));
  assert.deepEqual(run.observations.map((o) => [o.type, o.data.quotaType, o.data.uid ?? o.data.gid, o.data.limit]), [
    ['QUOTA_BLOCKS_SOFT', 'user', 1001, undefined],
    ['QUOTA_BLOCKS_HARD', 'group', 100, undefined],
    ['QUOTA_BLOCKS_BELOW', 'user', 1001, 'soft'],
  ]);
  assert.deepEqual(detail.dropped, { 'missing-attribute': 1 });
  assert.equal(run.health('quota').lost, 0);

  const strict = await startSources(t, { quota: {} });
  const strictDetail = strict.health('quota').detail as Record<string, any>;
  await p.multicast(group, quotaMessage(family.id, base + 4, { qtype: 0, id: 1001, warning: 6, major: 7, minor: 5 }));
  await waitFor('the forged datagram', () => (strictDetail.foreign >= 1 ? true : undefined));
  assert.equal(strict.observations.length, 0, 'a user-space sender is not the kernel');
});
