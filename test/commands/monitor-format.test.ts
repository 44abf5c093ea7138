import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatEvent } from '../../src/commands/monitor-format.ts';
import type { FsEvent } from '../../src/collector/types.ts';

const event: FsEvent = {
  seq: 17, time: '2026-01-02T03:04:05.678Z', node: 'n', type: 'FS_ERROR', code: 9, class: 'error', severity: 'error', transient: false,
  mountpoint: '/data', device: '/dev/sdb1', fstype: 'ext4', sources: ['fanotify', 'kmsg'], count: 1, data: { errno: 117, function: 'ext4_lookup' },
};

test('one line: time, seq, severity, type, mount, (fstype device), sources, data', () => {
  assert.equal(formatEvent(event), '2026-01-02T03:04:05.678Z [17] error    FS_ERROR /data (ext4 /dev/sdb1) source=fanotify,kmsg errno=117 function=ext4_lookup');
});

test('odd mount points and values are JSON-quoted so that a line stays one parseable line', () => {
  const odd = formatEvent({ ...event, mountpoint: '/mnt/a b\nc\udcff', count: 3, data: { before: { readOnly: false }, note: 'two words' } });
  assert.equal(odd.split('\n').length, 1);
  assert.ok(odd.includes(' "/mnt/a b\\nc\\udcff" '), odd);
  assert.ok(odd.includes(' x3 '));
  assert.ok(odd.endsWith('before={"readOnly":false} note="two words"'));
});

test('a node-wide event has no mount part', () => {
  const { mountpoint: _m, device: _d, fstype: _f, ...nodeWide } = event;
  assert.equal(formatEvent({ ...nodeWide, type: 'EVENTS_LOST', severity: 'warning', data: {} }), '2026-01-02T03:04:05.678Z [17] warning  EVENTS_LOST source=fanotify,kmsg');
});
