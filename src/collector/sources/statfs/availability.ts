/**
 * @module collector/sources/statfs/availability
 * Turns probe outcomes into availability transitions: one FS_UNAVAILABLE when a mount stops
 * answering, one FS_AVAILABLE when it answers again, never one per probe. Flapping is damped:
 * once `maxTransitions` were reported within `windowMs`, a recovery is reported only after the
 * mount has answered continuously for `settleMs` (failures meanwhile restart the wait and are
 * counted). A failure is always reported at once: being told late about an outage is worse than
 * being told twice. An unavailable mount whose trouble turns permanent (a FUSE server that was
 * stopped and is then killed) is reported again with kind permanent. Pure.
 */
import { constants } from 'node:os';

/** Probe errors after which the mount will not answer again without a remount. */
const PERMANENT = new Set(['ENOTCONN', 'ESTALE', 'ECONNABORTED']);
/** Probe errors of a server or link that may come back. */
const TRANSIENT = new Set(['EIO', 'ETIMEDOUT', 'EHOSTDOWN', 'EHOSTUNREACH', 'ENETDOWN', 'ENETUNREACH', 'ECONNREFUSED', 'ECONNRESET', 'EREMOTEIO']);
const ERRNO_NAMES = new Map(Object.entries(constants.errno).map(([name, value]) => [value, name]));

/** The errno's name ("ENOTCONN"), or "errno N". */
export function errnoName(errno: number): string {
  return ERRNO_NAMES.get(errno) ?? `errno ${errno}`;
}

/**
 * What a failed statfs says about availability: ENOTCONN (a FUSE server gone), ESTALE and
 * ECONNABORTED are permanent, EIO and network errors transient; anything else (ENOENT after an
 * unmount, EACCES, ENOSYS) says nothing and yields undefined.
 */
export function outcomeOfErrno(errno: number): Extract<ProbeOutcome, { ok: false }> | undefined {
  const name = errnoName(errno);
  if (PERMANENT.has(name)) return { ok: false, kind: 'permanent', reason: name, errno };
  if (TRANSIENT.has(name)) return { ok: false, kind: 'transient', reason: name, errno };
  return undefined;
}

/** Damping settings (sources.statfs.damping). */
export interface Damping {
  windowMs: number;
  maxTransitions: number;
  settleMs: number;
}

/** What one probe said. */
export type ProbeOutcome = { ok: true } | { ok: false; kind: 'transient' | 'permanent'; reason: string; errno?: number };

/** What has been reported for one mount, and the damper's memory. */
export interface AvailabilityState {
  available: boolean;
  /** When the reported state began (ms). */
  since: number;
  kind?: 'transient' | 'permanent';
  /** Times of reported transitions, newest last, at most maxTransitions kept. */
  transitions: number[];
  /** Start of the current run of answers while still reported unavailable. */
  answeringSince?: number;
  /** Failures that interrupted a settling recovery. */
  interruptions: number;
  /** Waiting for a flapping mount to settle before reporting it available. */
  settling: boolean;
}

/** A transition to report. */
export type AvailabilityReport =
  | { type: 'FS_UNAVAILABLE'; data: { reason: string; transient: boolean; errno?: number; escalated?: true } }
  | { type: 'FS_AVAILABLE'; data: { unavailableForMs: number; flapping?: { transitions: number; interruptions: number } } };

/** A mount assumed available, as every mount is until a probe says otherwise. */
export function initialAvailability(now: number): AvailabilityState {
  return { available: true, since: now, transitions: [], interruptions: 0, settling: false };
}

/** Applies one probe outcome. */
export function observe(state: AvailabilityState, outcome: ProbeOutcome, now: number, damping: Damping): { state: AvailabilityState; report?: AvailabilityReport } {
  if (!outcome.ok) return failed(state, outcome, now, damping);
  if (state.available) return { state };
  const answeringSince = state.answeringSince ?? now;
  const recent = state.transitions.filter((t) => now - t < damping.windowMs);
  const settling = recent.length >= damping.maxTransitions;
  if (settling && now - answeringSince < damping.settleMs) return { state: { ...state, answeringSince, settling } };
  const report: AvailabilityReport = {
    type: 'FS_AVAILABLE',
    data: { unavailableForMs: now - state.since, ...(settling ? { flapping: { transitions: recent.length, interruptions: state.interruptions } } : {}) },
  };
  const next: AvailabilityState = { available: true, since: now, transitions: remember(recent, now, damping), interruptions: 0, settling: false };
  return { state: next, report };
}

function failed(state: AvailabilityState, outcome: Extract<ProbeOutcome, { ok: false }>, now: number, damping: Damping): { state: AvailabilityState; report?: AvailabilityReport } {
  const data = { reason: outcome.reason, transient: outcome.kind === 'transient', ...(outcome.errno === undefined ? {} : { errno: outcome.errno }) };
  if (state.available) {
    const next: AvailabilityState = { ...state, available: false, since: now, kind: outcome.kind, transitions: remember(state.transitions, now, damping), interruptions: 0 };
    delete next.answeringSince;
    return { state: next, report: { type: 'FS_UNAVAILABLE', data } };
  }
  const interrupted = state.answeringSince !== undefined;
  const next: AvailabilityState = { ...state, interruptions: state.interruptions + (interrupted && state.settling ? 1 : 0) };
  delete next.answeringSince;
  if (state.kind === 'transient' && outcome.kind === 'permanent') {
    next.kind = 'permanent';
    return { state: next, report: { type: 'FS_UNAVAILABLE', data: { ...data, escalated: true } } };
  }
  return { state: next };
}

/** Appends a transition time, keeping only what the window can still count (bounded memory). */
function remember(times: number[], now: number, damping: Damping): number[] {
  return [...times.filter((t) => now - t < damping.windowMs), now].slice(-damping.maxTransitions);
}
