/**
 * Availability transitions from probe outcomes: one event per transition, flapping damped until
 * the mount has settled, transient turning permanent reported, errnos classified.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { initialAvailability, observe, outcomeOfErrno, type AvailabilityState, type ProbeOutcome } from '../../../../src/collector/sources/statfs/availability.ts';

const damping = { windowMs: 10_000, maxTransitions: 4, settleMs: 3_000 };
const ok: ProbeOutcome = { ok: true };
const timeout: ProbeOutcome = { ok: false, kind: 'transient', reason: 'probe timeout' };

/** Feeds [time, outcome] pairs; returns the reported types with their times. */
function feed(steps: Array<[number, ProbeOutcome]>, state: AvailabilityState = initialAvailability(0)): { reports: string[]; state: AvailabilityState } {
  const reports: string[] = [];
  for (const [now, outcome] of steps) {
    const result = observe(state, outcome, now, damping);
    state = result.state;
    if (result.report) reports.push(`${now}:${result.report.type}`);
  }
  return { reports, state };
}

test('one event per transition, not per probe', () => {
  const { reports } = feed([[1, ok], [2, ok], [3, timeout], [4, timeout], [5, timeout], [6, ok], [7, ok]]);
  assert.deepEqual(reports, ['3:FS_UNAVAILABLE', '6:FS_AVAILABLE']);
});

test('a flapping mount is reported available only after it answered for settleMs', () => {
  // Two full cycles reach maxTransitions (4); the third recovery waits for 3 s of answers.
  const steps: Array<[number, ProbeOutcome]> = [[100, timeout], [200, ok], [300, timeout], [400, ok], [500, timeout], [600, ok], [700, ok], [800, timeout], [900, ok], [2000, ok], [3899, ok], [3900, ok], [4000, ok]];
  const { reports, state } = feed(steps);
  assert.deepEqual(reports, ['100:FS_UNAVAILABLE', '200:FS_AVAILABLE', '300:FS_UNAVAILABLE', '400:FS_AVAILABLE', '500:FS_UNAVAILABLE', '3900:FS_AVAILABLE']);
  assert.equal(state.available, true);
  assert.equal(state.settling, false);
});

test('the settled recovery says it was damped, and how often it was interrupted', () => {
  let state = initialAvailability(0);
  for (const [now, outcome] of [[1, timeout], [2, ok], [3, timeout], [4, ok], [5, timeout], [6, ok], [7, timeout]] as Array<[number, ProbeOutcome]>) state = observe(state, outcome, now, damping).state;
  const result = observe(state, ok, 5000, damping);
  assert.equal(result.report, undefined, 'settling starts');
  const done = observe(result.state, ok, 8000, damping);
  assert.deepEqual(done.report, { type: 'FS_AVAILABLE', data: { unavailableForMs: 7995, flapping: { transitions: 4, interruptions: 1 } } });
});

test('transitions older than the window do not count', () => {
  const { reports } = feed([[0, timeout], [1, ok], [2, timeout], [3, ok], [20_000, timeout], [20_001, ok]]);
  assert.deepEqual(reports, ['0:FS_UNAVAILABLE', '1:FS_AVAILABLE', '2:FS_UNAVAILABLE', '3:FS_AVAILABLE', '20000:FS_UNAVAILABLE', '20001:FS_AVAILABLE']);
});

test('a transient outage that turns permanent is reported once more; never the other way', () => {
  const permanent = outcomeOfErrno(107)!;
  const { reports, state } = feed([[1, timeout], [2, permanent], [3, permanent], [4, timeout]]);
  assert.deepEqual(reports, ['1:FS_UNAVAILABLE', '2:FS_UNAVAILABLE']);
  assert.equal(state.kind, 'permanent');
});

test('errnos: ENOTCONN/ESTALE permanent, EIO/ETIMEDOUT transient, ENOENT/EACCES say nothing', () => {
  assert.deepEqual(outcomeOfErrno(107), { ok: false, kind: 'permanent', reason: 'ENOTCONN', errno: 107 });
  assert.equal(outcomeOfErrno(116)?.kind, 'permanent');
  assert.equal(outcomeOfErrno(5)?.kind, 'transient');
  assert.equal(outcomeOfErrno(110)?.kind, 'transient');
  assert.equal(outcomeOfErrno(2), undefined);
  assert.equal(outcomeOfErrno(13), undefined);
});
