import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_UEVENT_BYTES, parseUevent } from '../../../../src/collector/sources/uevent/parse.ts';
import { ueventMessage } from '../../../helpers/netlink-peer.ts';

test('a kernel uevent parses into action, devpath, subsystem, seqnum and every property', () => {
  // Captured on this machine: `losetup -c` on a mounted loop device.
  const raw = Buffer.from('change@/devices/virtual/block/loop1\0ACTION=change\0DEVPATH=/devices/virtual/block/loop1\0SUBSYSTEM=block\0RESIZE=1\0MAJOR=7\0MINOR=1\0DEVNAME=loop1\0DEVTYPE=disk\0DISKSEQ=738\0SEQNUM=2350\0', 'latin1');
  const event = parseUevent(raw);
  assert.ok(typeof event === 'object');
  assert.equal(event.action, 'change');
  assert.equal(event.devpath, '/devices/virtual/block/loop1');
  assert.equal(event.subsystem, 'block');
  assert.equal(event.seqnum, 2350);
  assert.equal(event.properties.get('RESIZE'), '1');
  assert.equal(event.properties.get('DISKSEQ'), '738');
});

test('what is not a kernel uevent is refused with its reason', () => {
  const ok = ueventMessage('remove', '/devices/x/block/sdb', 5, { SUBSYSTEM: 'block' });
  assert.equal(typeof parseUevent(ok), 'object');
  assert.equal(parseUevent(Buffer.concat([Buffer.from('libudev\0'), ok])), 'libudev');
  assert.equal(parseUevent(Buffer.from('no header here\0ACTION=add\0')), 'no-header');
  assert.equal(parseUevent(Buffer.from('add@/x\0ACTION=add\0DEVPATH=/x\0SUBSYSTEM=block\0')), 'missing-property');
  assert.equal(parseUevent(Buffer.from('add@/x\0ACTION=add\0DEVPATH=/x\0SUBSYSTEM=block\0SEQNUM=12a\0')), 'bad-property');
  assert.equal(parseUevent(Buffer.from('add@/x\0ACTION=add\0garbage\0')), 'bad-property');
  assert.equal(parseUevent(Buffer.from('add@/y\0ACTION=add\0DEVPATH=/x\0SUBSYSTEM=block\0SEQNUM=1\0')), 'header-mismatch');
  assert.equal(parseUevent(ueventMessage('add', '/x', 1, { SUBSYSTEM: 'block', JUNK: 'x'.repeat(MAX_UEVENT_BYTES) })), 'too-large');
  assert.equal(parseUevent(Buffer.alloc(0)), 'no-header');
});
