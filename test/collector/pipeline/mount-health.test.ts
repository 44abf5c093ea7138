/**
 * Read-only-by-error and shutdown in a mount's state: set by the events whichever source sent
 * them, kept while the mount table still says rw, cleared by a remount the table reports writable.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventSpec, type EventType } from '../../../src/collector/events.ts';
import { applyEvent, initialHealth, mountState } from '../../../src/collector/pipeline/mount-health.ts';
import type { FsEvent } from '../../../src/collector/types.ts';
import { mountEntry } from '../../helpers/fake-context.ts';

let seq = 0;
function event(type: EventType, data: Record<string, unknown> = {}): FsEvent {
  const spec = eventSpec(type);
  return { seq: ++seq, time: new Date(seq * 1000).toISOString(), node: 'n', type, code: spec.code, class: spec.class, severity: spec.severity, transient: spec.transient, sources: ['kmsg'], count: 1, data };
}

const entry = mountEntry(40, '7:0', '/mnt/a', 'ext4', { superOptions: ['rw', 'errors=remount-ro'] });

test('ERR_REMOUNT_RO makes the mount read-only by error until a remount reports it writable', () => {
  const health = initialHealth(new Date(0).toISOString());
  assert.equal(mountState(entry, health).readOnly, false);
  applyEvent(health, event('ERR_REMOUNT_RO'));
  assert.equal(mountState(entry, health).readOnly, true);
  assert.equal(mountState(entry, health).readOnlyByError, true);
  applyEvent(health, event('REMOUNT', { after: { readOnly: true } }));
  assert.equal(mountState(entry, health).readOnly, true, 'a remount that keeps it read-only changes nothing');
  applyEvent(health, event('REMOUNT', { after: { readOnly: false } }));
  assert.equal(mountState(entry, health).readOnly, false);
  assert.equal(mountState(entry, health).readOnlyByError, undefined);
});

test('FS_SHUTDOWN marks the mount shut down and read-only for the rest of its life', () => {
  const health = initialHealth(new Date(0).toISOString());
  applyEvent(health, event('FS_SHUTDOWN', { userInitiated: true }));
  applyEvent(health, event('REMOUNT', { after: { readOnly: false } }));
  const state = mountState(entry, health);
  assert.equal(state.shutdown, true);
  assert.equal(state.readOnly, true);
  assert.equal(state.lastError?.type, 'FS_SHUTDOWN');
});

test('the mount table\'s own read-only flags still count', () => {
  const health = initialHealth(new Date(0).toISOString());
  assert.equal(mountState({ ...entry, superOptions: ['rw', 'emergency_ro'] }, health).readOnly, true);
  assert.equal(mountState({ ...entry, mountOptions: ['ro'] }, health).readOnly, true);
});
