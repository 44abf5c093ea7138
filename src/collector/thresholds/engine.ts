/**
 * @module collector/thresholds/engine
 * The threshold state machine of the 2015 proposal, exactly as its v3 code runs it
 * (fs/events/fs_event.c fs_event_alloc_space / fs_event_free_space; fs-event-protocol.md
 * "Threshold semantics and re-arming"), driven by successive readings of the available amount
 * instead of per-allocation deltas:
 * - available went down: above L1 nothing; in (L2, L1] LRBELOW once; at or below L2 URBELOW once
 *   (a drop past both levels sends only URBELOW and leaves L1 armed, as the kernel does);
 * - available went up: above L1 with L1 fired, LRABOVE and both levels re-armed; otherwise above
 *   L2 with L2 fired, URABOVE and L2 re-armed.
 * "Below" fires at `<=`, "above" at strictly `>`; no other hysteresis. Pure.
 */

/** Which levels have fired and wait for the opposite crossing ("beyond" bits of the kernel). */
export interface CrossingState {
  lrBeyond: boolean;
  urBeyond: boolean;
}

/** A threshold event type. */
export type Crossing = 'THR_LRBELOW' | 'THR_LRABOVE' | 'THR_URBELOW' | 'THR_URABOVE';

/** Both levels armed: a new entry, or levels just (re)set. */
export const ARMED: CrossingState = Object.freeze({ lrBeyond: false, urBeyond: false });

/** Levels in the unit of the readings. */
export interface ResolvedLevels {
  l1: number;
  l2: number;
}

/** Applies one change of the available amount; returns the next state and the event, if any. */
export function step(state: CrossingState, levels: ResolvedLevels, previous: number, current: number): { state: CrossingState; event?: Crossing } {
  if (current < previous) return allocated(state, levels, current);
  if (current > previous) return freed(state, levels, current);
  return { state };
}

function allocated(state: CrossingState, { l1, l2 }: ResolvedLevels, avail: number): { state: CrossingState; event?: Crossing } {
  if (avail > l1) return { state };
  if (avail > l2) {
    if (state.lrBeyond) return { state };
    return { state: { ...state, lrBeyond: true }, event: 'THR_LRBELOW' };
  }
  if (state.urBeyond) return { state };
  return { state: { ...state, urBeyond: true }, event: 'THR_URBELOW' };
}

function freed(state: CrossingState, { l1, l2 }: ResolvedLevels, avail: number): { state: CrossingState; event?: Crossing } {
  if (avail > l1 && state.lrBeyond) return { state: ARMED, event: 'THR_LRABOVE' };
  if (avail > l2 && state.urBeyond) return { state: { ...state, urBeyond: false }, event: 'THR_URABOVE' };
  return { state };
}

/** Where a mount stands, for the per-mount state: nothing fired, L1 fired, or L2 fired. */
export function positionOf(state: CrossingState): 'armed' | 'below-l1' | 'below-l2' {
  if (state.urBeyond) return 'below-l2';
  return state.lrBeyond ? 'below-l1' : 'armed';
}
