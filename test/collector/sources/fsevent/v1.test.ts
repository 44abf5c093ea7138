import assert from 'node:assert/strict';
import { test } from 'node:test';
import { V1Decoder } from '../../../../src/collector/sources/fsevent/v1.ts';
import { splitMessages } from '../../../../src/util/netlink/wire.ts';
import { genlmsg, u32, u64, type RawAttribute } from '../../../helpers/netlink-peer.ts';

const decodeWith = (decoder: V1Decoder, cmd: number, list: RawAttribute[]) => decoder.decode(splitMessages(genlmsg(19, 1, cmd, list)).messages[0]!, 5);

test('v1: a NEW_TRACE names the mount of a trace id; events without a device go to that path', () => {
  const d = new V1Decoder();
  assert.deepEqual(decodeWith(d, 5, [{ type: 1, value: u32(3) }, { type: 2, value: Buffer.from('/srv/data\0') }]), { skipped: 'trace' });
  const result = decodeWith(d, 2, [{ type: 1, value: u32(3) }, { type: 5, value: u32(0x8) }, { type: 6, value: u64(99) }]);
  assert.ok('observation' in result);
  assert.equal(result.observation.type, 'WARN_ENOSPC');
  assert.deepEqual(result.observation.mount, { path: '/srv/data' });
  assert.equal(result.observation.data.causedPid, 99);
});

test('v1: bit-valued ids map to the registry (typos of the patch included), devices win over trace ids', () => {
  const d = new V1Decoder();
  const cases: Array<[number, string]> = [[0x1, 'UMOUNT'], [0x4, 'FS_WARNING'], [0x10, 'WARN_ENOSPC_META'], [0x80, 'FS_ERROR'], [0x100, 'ERR_REMOUNT_RO'], [0x200, 'ERR_CORRUPTED']];
  for (const [id, type] of cases) {
    const result = decodeWith(d, 3, [{ type: 3, value: u32(8) }, { type: 4, value: u32(1) }, { type: 5, value: u32(id) }]);
    assert.ok('observation' in result);
    assert.equal(result.observation.type, type);
    assert.deepEqual(result.observation.mount, { devno: { major: 8, minor: 1 } });
  }
  assert.deepEqual(decodeWith(d, 3, [{ type: 3, value: u32(8) }, { type: 4, value: u32(1) }, { type: 5, value: u32(0x2) }]), { skipped: 'unknown-event' });
});

test('v1: the same threshold id both ways; DATA rising means back above, falling (or first) means below', () => {
  const d = new V1Decoder();
  const thr = (bit: number, data: number) => {
    const r = decodeWith(d, 4, [{ type: 3, value: u32(7) }, { type: 4, value: u32(2) }, { type: 5, value: u32(bit) }, { type: 7, value: u64(data) }]);
    assert.ok('observation' in r);
    return r.observation.type;
  };
  assert.equal(thr(0x20, 700), 'THR_LRBELOW');
  assert.equal(thr(0x40, 400), 'THR_URBELOW');
  assert.equal(thr(0x40, 600), 'THR_URABOVE');
  assert.equal(thr(0x20, 800), 'THR_LRABOVE');
});

test('v1: malformed messages are dropped with their reason', () => {
  const d = new V1Decoder();
  assert.deepEqual(decodeWith(d, 5, [{ type: 1, value: u32(3) }]), { dropped: 'bad-attribute' }, 'NEW_TRACE without MOUNT');
  assert.deepEqual(decodeWith(d, 2, [{ type: 1, value: u32(3) }]), { dropped: 'no-event-id' });
  assert.deepEqual(decodeWith(d, 2, [{ type: 1, value: u32(77) }, { type: 5, value: u32(0x8) }]), { dropped: 'no-device' }, 'unknown trace id');
  assert.deepEqual(decodeWith(d, 2, [{ type: 1, value: u64(3) }, { type: 5, value: u32(0x8) }]), { dropped: 'bad-attribute' });
  assert.deepEqual(decodeWith(d, 9, []), { dropped: 'wrong-command' });
});
