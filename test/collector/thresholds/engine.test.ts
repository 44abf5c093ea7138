/**
 * The threshold state machine against the proposal's v3 code (fs_event_alloc_space /
 * fs_event_free_space): once per crossing, re-arming, only URBELOW when a drop passes both levels.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ARMED, positionOf, step, type CrossingState } from '../../../src/collector/thresholds/engine.ts';

const levels = { l1: 100, l2: 50 };

/** Feeds a series of available amounts; returns the events in order. */
function run(series: number[], state: CrossingState = ARMED): { events: string[]; state: CrossingState } {
  const events: string[] = [];
  for (let i = 1; i < series.length; i++) {
    const result = step(state, levels, series[i - 1]!, series[i]!);
    state = result.state;
    if (result.event) events.push(result.event);
  }
  return { events, state };
}

test('filling past L1 then L2, then freeing in two steps: LRBELOW, URBELOW, URABOVE, LRABOVE once each', () => {
  assert.deepEqual(run([200, 150, 100, 90, 80, 50, 40, 30, 40, 60, 70, 101, 150]).events, ['THR_LRBELOW', 'THR_URBELOW', 'THR_URABOVE', 'THR_LRABOVE']);
});

test('below fires at <=, above at strictly >', () => {
  assert.deepEqual(run([101, 100]).events, ['THR_LRBELOW']);
  assert.deepEqual(run([101, 100, 100, 99, 100]).events, ['THR_LRBELOW']);
  assert.deepEqual(run([101, 100, 101]).events, ['THR_LRBELOW', 'THR_LRABOVE']);
  assert.deepEqual(run([51, 50]).events, ['THR_URBELOW']);
  assert.deepEqual(run([60, 50, 51]).events, ['THR_URBELOW', 'THR_URABOVE']);
});

test('one drop past both levels sends only URBELOW; a rise above both then sends only URABOVE', () => {
  const { events, state } = run([200, 10]);
  assert.deepEqual(events, ['THR_URBELOW']);
  assert.deepEqual(state, { lrBeyond: false, urBeyond: true });
  assert.deepEqual(run([10, 500], state).events, ['THR_URABOVE']);
  // After the jump L1 is still armed: filling into (L2, L1] later sends LRBELOW.
  assert.deepEqual(run([200, 10, 500, 80]).events, ['THR_URBELOW', 'THR_URABOVE', 'THR_LRBELOW']);
});

test('LRABOVE re-arms both levels (v3), so a later fill sends both again', () => {
  assert.deepEqual(run([200, 80, 40, 500, 80, 40]).events, ['THR_LRBELOW', 'THR_URBELOW', 'THR_LRABOVE', 'THR_LRBELOW', 'THR_URBELOW']);
});

test('no event without a change, and none while staying on one side', () => {
  assert.deepEqual(run([200, 200, 150, 120, 101]).events, []);
  assert.deepEqual(run([90, 90, 95, 99]).events, []);
});

test('a new entry below L1 fires on the next allocation, not at once', () => {
  assert.deepEqual(run([80]).events, []);
  assert.deepEqual(run([80, 79]).events, ['THR_LRBELOW']);
});

test('positionOf reflects the fired levels', () => {
  assert.equal(positionOf(ARMED), 'armed');
  assert.equal(positionOf({ lrBeyond: true, urBeyond: false }), 'below-l1');
  assert.equal(positionOf({ lrBeyond: true, urBeyond: true }), 'below-l2');
  assert.equal(positionOf({ lrBeyond: false, urBeyond: true }), 'below-l2');
});
