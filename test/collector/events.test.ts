import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventRegistry, eventTypes } from '../../src/collector/events.ts';

// The published codes. Never edit a line here: a code, once shipped, belongs to its type forever.
// Adding a type means appending a line with the next free code.
const PINNED: Record<string, number> = {
  WARN_ENOSPC: 1,
  WARN_ENOSPC_META: 2,
  THR_LRBELOW: 3,
  THR_LRABOVE: 4,
  THR_URBELOW: 5,
  THR_URABOVE: 6,
  ERR_REMOUNT_RO: 7,
  ERR_CORRUPTED: 8,
  FS_ERROR: 9,
  IO_ERROR: 10,
  CORRECTED_CHECKSUM_ERROR: 11,
  UNCORRECTED_CHECKSUM_ERROR: 12,
  FS_SHUTDOWN: 13,
  FS_UNAVAILABLE: 14,
  FS_AVAILABLE: 15,
  QUOTA_BLOCKS_SOFT: 16,
  QUOTA_BLOCKS_HARD: 17,
  QUOTA_BLOCKS_GRACE_EXPIRED: 18,
  QUOTA_BLOCKS_BELOW: 19,
  QUOTA_INODES_SOFT: 20,
  QUOTA_INODES_HARD: 21,
  QUOTA_INODES_GRACE_EXPIRED: 22,
  QUOTA_INODES_BELOW: 23,
  MOUNT: 24,
  UMOUNT: 25,
  REMOUNT: 26,
  DEVICE_REMOVED: 27,
  EVENTS_LOST: 28,
  FS_WARNING: 29,
  DEVICE_CHANGED: 30,
  NODE_UNREACHABLE: 31,
};

test('every pinned event type keeps its code', () => {
  for (const [type, code] of Object.entries(PINNED)) {
    assert.ok(type in eventRegistry, `${type} was removed from the registry; retire it instead`);
    assert.equal(eventRegistry[type as keyof typeof eventRegistry].code, code, `${type} changed its code`);
  }
});

test('every registered type is pinned, and no code is used twice', () => {
  for (const type of eventTypes) assert.ok(type in PINNED, `${type} is new: pin its code in this test`);
  const codes = eventTypes.map((t) => eventRegistry[t].code);
  assert.equal(new Set(codes).size, codes.length, 'a code is used by two types');
});

test('the 2015 proposal codes 1-8 map to its event names', () => {
  const proposal = ['WARN_ENOSPC', 'WARN_ENOSPC_META', 'THR_LRBELOW', 'THR_LRABOVE', 'THR_URBELOW', 'THR_URABOVE', 'ERR_REMOUNT_RO', 'ERR_CORRUPTED'];
  proposal.forEach((type, i) => assert.equal(eventRegistry[type as keyof typeof eventRegistry].code, i + 1));
});

test('every type has a class, a severity and a description', () => {
  for (const type of eventTypes) {
    const spec = eventRegistry[type];
    assert.ok(['info', 'warning', 'error', 'threshold'].includes(spec.class), type);
    assert.ok(spec.description.length > 10, type);
    assert.equal(typeof spec.transient, 'boolean');
  }
});
