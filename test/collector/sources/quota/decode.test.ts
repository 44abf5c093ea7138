import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeQuota } from '../../../../src/collector/sources/quota/decode.ts';
import { splitMessages } from '../../../../src/util/netlink/wire.ts';
import { genlmsg, quotaMessage, u32, u64, type RawAttribute } from '../../../helpers/netlink-peer.ts';

const decode = (datagram: Buffer) => decodeQuota(splitMessages(datagram).messages[0]!, 7);

test('every warning type of fs/quota/netlink.c maps to its QUOTA_* type, with id, limit and device', () => {
  const expected: Array<[number, string, string | undefined]> = [
    [1, 'QUOTA_INODES_HARD', undefined],
    [2, 'QUOTA_INODES_GRACE_EXPIRED', undefined],
    [3, 'QUOTA_INODES_SOFT', undefined],
    [4, 'QUOTA_BLOCKS_HARD', undefined],
    [5, 'QUOTA_BLOCKS_GRACE_EXPIRED', undefined],
    [6, 'QUOTA_BLOCKS_SOFT', undefined],
    [7, 'QUOTA_INODES_BELOW', 'hard'],
    [8, 'QUOTA_INODES_BELOW', 'soft'],
    [9, 'QUOTA_BLOCKS_BELOW', 'hard'],
    [10, 'QUOTA_BLOCKS_BELOW', 'soft'],
  ];
  for (const [warning, type, limit] of expected) {
    const result = decode(quotaMessage(17, warning, { qtype: 0, id: 1001, warning, major: 259, minor: 4, caused: 1001 }));
    assert.ok('observation' in result, `warning ${warning}`);
    assert.equal(result.observation.type, type);
    assert.equal(result.observation.data.limit, limit);
    assert.deepEqual(result.observation.mount, { devno: { major: 259, minor: 4 } });
    assert.equal(result.observation.data.uid, 1001);
    assert.equal(result.observation.data.causedUid, 1001);
  }
});

test('user, group and project quotas name their id field', () => {
  const field = (qtype: number) => {
    const r = decode(quotaMessage(17, 1, { qtype, id: 4242, warning: 6, major: 7, minor: 0 }));
    assert.ok('observation' in r);
    return [r.observation.data.quotaType, r.observation.data.uid ?? r.observation.data.gid ?? r.observation.data.projectId];
  };
  assert.deepEqual(field(0), ['user', 4242]);
  assert.deepEqual(field(1), ['group', 4242]);
  assert.deepEqual(field(2), ['project', 4242]);
  assert.deepEqual(decode(quotaMessage(17, 1, { qtype: 3, id: 1, warning: 6, major: 7, minor: 0 })), { dropped: 'unknown-quota-type' });
});

test('NOWARN and future warning codes are skipped; missing, wrongly typed and truncated attributes dropped', () => {
  assert.deepEqual(decode(quotaMessage(17, 1, { qtype: 0, id: 1, warning: 0, major: 7, minor: 0 })), { skipped: 'no-warning' });
  assert.deepEqual(decode(quotaMessage(17, 1, { qtype: 0, id: 1, warning: 11, major: 7, minor: 0 })), { skipped: 'unknown-warning' });
  const base: RawAttribute[] = [{ type: 1, value: u32(0) }, { type: 2, value: u64(5) }, { type: 3, value: u32(6) }, { type: 4, value: u32(7) }, { type: 5, value: u32(0) }];
  assert.deepEqual(decode(genlmsg(17, 1, 1, base.slice(0, 4))), { dropped: 'missing-attribute' });
  assert.deepEqual(decode(genlmsg(17, 1, 1, [base[0]!, { type: 2, value: u32(5) }, ...base.slice(2)])), { dropped: 'bad-attribute' }, 'EXCESS_ID as u32');
  assert.deepEqual(decode(genlmsg(17, 1, 1, [...base, { type: 6, value: u32(1) }])), { dropped: 'bad-attribute' }, 'CAUSED_ID as u32');
  assert.deepEqual(decode(genlmsg(17, 1, 1, [...base.slice(0, 4), { type: 5, value: u32(0), length: 64 }])), { dropped: 'truncated-attribute' });
  assert.ok('observation' in decode(genlmsg(17, 1, 1, [...base, { type: 7, value: Buffer.alloc(0) }, { type: 60, value: u64(1) }])), 'PAD and unknown attributes are ignored');
  assert.deepEqual(decode(genlmsg(17, 1, 0, base)), { dropped: 'wrong-command' });
});
