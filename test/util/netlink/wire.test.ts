import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attrU32, attrU64, familyMessages, genlPayload, parseAttributes, splitMessages } from '../../../src/util/netlink/wire.ts';
import { attributes, genlmsg, nlmsg, u32, u64 } from '../../helpers/netlink-peer.ts';

test('a datagram of several messages splits into each, with header fields and payload views', () => {
  const datagram = Buffer.concat([nlmsg({ type: 17, seq: 5, flags: 2, port: 9 }, Buffer.from([1, 2, 3])), nlmsg({ type: 18, seq: 6 }, Buffer.alloc(0))]);
  const { messages, problem } = splitMessages(datagram);
  assert.equal(problem, undefined);
  assert.deepEqual(messages.map((m) => [m.type, m.seq, m.flags, m.port, [...m.payload]]), [
    [17, 5, 2, 9, [1, 2, 3]],
    [18, 6, 0, 0, []],
  ]);
});

test('a lying or short header stops splitting and names the problem, keeping what came before', () => {
  const good = nlmsg({ type: 17, seq: 1 }, u32(1));
  assert.equal(splitMessages(Buffer.concat([good, Buffer.alloc(10)])).problem, 'truncated-header');
  assert.equal(splitMessages(Buffer.concat([good, nlmsg({ type: 17, seq: 2, length: 400 }, u32(1))])).problem, 'bad-length');
  assert.equal(splitMessages(nlmsg({ type: 17, seq: 2, length: 8 }, u32(1))).problem, 'bad-length');
  assert.equal(splitMessages(Buffer.concat([good, Buffer.alloc(10)])).messages.length, 1);
});

test('attributes parse by type with flags masked; lengths past the end or below the header are refused', () => {
  const parsed = parseAttributes(attributes([
    { type: 1, value: u32(7) },
    { type: 0x8000 | 2, value: u64(2 ** 40 + 3) }, // NLA_F_NESTED set
    { type: 3, value: Buffer.from('abc\0', 'latin1') },
  ]));
  assert.ok(parsed instanceof Map);
  assert.equal(attrU32(parsed.get(1)), 7);
  assert.equal(attrU64(parsed.get(2)), 2 ** 40 + 3);
  assert.equal(parsed.get(3)?.toString('latin1'), 'abc\0');
  assert.equal(parseAttributes(attributes([{ type: 1, value: u32(7), length: 200 }])), 'truncated-attribute');
  assert.equal(parseAttributes(attributes([{ type: 1, value: u32(7), length: 2 }])), 'truncated-attribute');
  assert.equal(parseAttributes(Buffer.from([8, 0, 1])), 'truncated-attribute');
  assert.ok(parseAttributes(Buffer.from([0, 0])) instanceof Map, 'zero padding at the end is fine');
});

test('fixed-size readers refuse values of the wrong size', () => {
  assert.equal(attrU32(u64(1)), undefined);
  assert.equal(attrU32(Buffer.alloc(2)), undefined);
  assert.equal(attrU64(u32(1)), undefined);
  assert.equal(attrU32(undefined), undefined);
  assert.equal(genlPayload(Buffer.alloc(3)), undefined);
});

test('familyMessages decodes its family, skips control messages and others, drops a broken tail', () => {
  const datagram = Buffer.concat([genlmsg(30, 1, 1, []), nlmsg({ type: 2, seq: 0 }, u32(0)), genlmsg(31, 2, 1, []), Buffer.alloc(5, 1)]);
  const routed = [...familyMessages(datagram, 30, (m) => ({ decoded: m.seq }))];
  assert.deepEqual(routed, [
    { seq: 1, outcome: { decoded: 1 } },
    { outcome: { skipped: 'control' } },
    { outcome: { skipped: 'other-family' } },
    { outcome: { dropped: 'truncated-header' } },
  ]);
});
