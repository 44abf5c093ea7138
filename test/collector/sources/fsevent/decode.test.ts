import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeV3, type Decoded } from '../../../../src/collector/sources/fsevent/decode.ts';
import { eventRegistry } from '../../../../src/collector/events.ts';
import { splitMessages } from '../../../../src/util/netlink/wire.ts';
import { fsEventMessage, genlmsg, u32, u64, type RawAttribute } from '../../../helpers/netlink-peer.ts';

const FAMILY = 30;
const NOW = 1_000;

function decode(datagram: Buffer, protocol: 'v2' | 'v3' = 'v3'): Decoded {
  const { messages } = splitMessages(datagram);
  assert.equal(messages.length, 1);
  return decodeV3(messages[0]!, NOW, protocol);
}

const attrs = (list: RawAttribute[]) => decode(genlmsg(FAMILY, 9, 1, list));

test('the proposal codes 1–8 map one to one to the registry, on the mount of DEV_MAJOR:DEV_MINOR', () => {
  for (let id = 1; id <= 8; id++) {
    const result = decode(fsEventMessage(FAMILY, id, { id, major: 8, minor: 17, pid: 321 }));
    assert.ok('observation' in result, `code ${id}`);
    assert.equal(eventRegistry[result.observation.type].code, id);
    assert.deepEqual(result.observation.mount, { devno: { major: 8, minor: 17 } });
    assert.equal(result.observation.data.causedPid, 321);
    assert.equal(result.observation.data.seq, id);
  }
});

test('DATA is kept on threshold events only (the patch sends it only there)', () => {
  const below = decode(fsEventMessage(FAMILY, 1, { id: 3, major: 7, minor: 0, data: 710_000 }));
  assert.ok('observation' in below);
  assert.equal(below.observation.data.availableBlocks, 710_000);
  const ro = decode(fsEventMessage(FAMILY, 1, { id: 7, major: 7, minor: 0, data: 5 }));
  assert.ok('observation' in ro);
  assert.equal(ro.observation.data.availableBlocks, undefined);
});

test('CAUSED_ID is accepted as u64 (what the code writes) and u32 (what the doc says)', () => {
  const base = [{ type: 1, value: u32(1) }, { type: 2, value: u32(7) }, { type: 3, value: u32(1) }];
  for (const value of [u32(77), u64(77)]) {
    const result = attrs([...base, { type: 4, value }]);
    assert.ok('observation' in result);
    assert.equal(result.observation.data.causedPid, 77);
  }
});

test('unknown attributes are ignored, and an unknown event code is skipped, not an error', () => {
  const result = attrs([{ type: 1, value: u32(2) }, { type: 2, value: u32(7) }, { type: 3, value: u32(1) }, { type: 42, value: Buffer.from('future') }]);
  assert.ok('observation' in result);
  assert.equal(result.observation.type, 'WARN_ENOSPC_META');
  assert.deepEqual(attrs([{ type: 1, value: u32(9) }, { type: 2, value: u32(7) }, { type: 3, value: u32(1) }]), { skipped: 'unknown-event' });
});

test('a message without an event id, with a wrongly typed, truncated or oversized attribute is dropped with its reason', () => {
  const dev = [{ type: 2, value: u32(7) }, { type: 3, value: u32(1) }];
  assert.deepEqual(attrs(dev), { dropped: 'no-event-id' });
  assert.deepEqual(attrs([{ type: 1, value: u64(3) }, ...dev]), { dropped: 'bad-attribute' }, 'EVENT_ID as u64');
  assert.deepEqual(attrs([{ type: 1, value: u32(3) }, { type: 2, value: Buffer.from([7]) }, { type: 3, value: u32(1) }]), { dropped: 'bad-attribute' }, 'DEV_MAJOR as u8');
  assert.deepEqual(attrs([{ type: 1, value: u32(3) }, ...dev, { type: 4, value: Buffer.alloc(6) }]), { dropped: 'bad-attribute' }, 'CAUSED_ID of 6 bytes');
  assert.deepEqual(attrs([{ type: 1, value: u32(3) }, ...dev, { type: 5, value: u32(100) }]), { dropped: 'bad-attribute' }, 'DATA as u32');
  assert.deepEqual(attrs([{ type: 1, value: u32(3) }, { type: 2, value: u32(7), length: 300 }]), { dropped: 'truncated-attribute' }, 'length past the end');
  assert.deepEqual(attrs([{ type: 1, value: u32(3) }]), { dropped: 'no-device' });
  const truncated = fsEventMessage(FAMILY, 1, { id: 1, major: 7, minor: 0 }).subarray(0, 30);
  truncated.writeUInt32LE(30, 0); // a consistent nlmsg_len, cut inside the attributes
  assert.deepEqual(decode(truncated), { dropped: 'truncated-attribute' });
  assert.deepEqual(decode(genlmsg(FAMILY, 1, 2, [])), { dropped: 'wrong-command' });
});

test('decoding random bytes never throws', () => {
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let i = 0; i < 2000; i++) {
    const message = fsEventMessage(FAMILY, i, { id: 1 + (i % 8), major: 7, minor: i, data: i });
    const at = 16 + Math.floor(random() * (message.length - 16));
    message[at] = Math.floor(random() * 256);
    const { messages } = splitMessages(message);
    for (const m of messages) decodeV3(m, NOW, 'v3');
  }
});
