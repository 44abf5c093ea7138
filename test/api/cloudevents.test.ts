import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toCloudEvent } from '../../src/api/cloudevents.ts';
import type { FsEvent } from '../../src/collector/types.ts';

const base: FsEvent = {
  seq: 42, time: '2026-01-02T03:04:05.678Z', node: 'node a/1', type: 'ERR_REMOUNT_RO', code: 7, class: 'error', severity: 'critical',
  transient: false, mountpoint: '/data', device: '/dev/sdb1', fstype: 'ext4', major: 8, minor: 17, mountId: 99, sources: ['kmsg'], count: 1, data: { errno: 30 },
};

test('an event maps to a CloudEvents 1.0 structured event with every required attribute', () => {
  const ce = toCloudEvent(base);
  assert.equal(ce.specversion, '1.0');
  assert.equal(ce.id, '42');
  assert.equal(ce.source, '/fsevd/node%20a%2F1');
  assert.equal(ce.type, 'fsevd.ERR_REMOUNT_RO');
  assert.equal(ce.time, base.time);
  assert.equal(ce.subject, '/data');
  assert.equal(ce.datacontenttype, 'application/json');
  assert.equal(ce.severity, 'critical');
  assert.equal(ce.eventclass, 'error');
  assert.deepEqual(ce.data, base);
  // Extension attribute names must be lower-case letters and digits (CloudEvents 1.0 §3.1.1).
  for (const key of Object.keys(ce)) assert.match(key, /^[a-z0-9]+$/);
});

test('an event without a mount has no subject', () => {
  const { mountpoint: _m, ...nodeWide } = base;
  assert.equal('subject' in toCloudEvent({ ...nodeWide, type: 'EVENTS_LOST' }), false);
});
