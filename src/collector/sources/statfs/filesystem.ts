/**
 * @module collector/sources/statfs/filesystem
 * Everything fsevd knows about one sampled filesystem (superblock), and what each probe outcome
 * changes: the space sample and fill rates, the threshold state machines (blocks and inodes),
 * WARN_ENOSPC, availability, and the next sampling time. Returns observations instead of emitting
 * them, and touches no I/O, so it is tested alone.
 */
import { ARMED, positionOf, step, type Crossing, type CrossingState } from '../../thresholds/engine.ts';
import { resolveLevel, type LevelBasis, type LevelPair, type Resource } from '../../thresholds/levels.ts';
import type { Observation, ProbeStatus, SpaceRecord, SpaceSample, ThresholdLevels, ThresholdStatus } from '../../types.ts';
import { initialAvailability, observe, type AvailabilityState, type Damping, type ProbeOutcome } from './availability.ts';
import { optional } from '../../../util/optional.ts';
import type { ProbeSettings } from './schema.ts';
import { decayRates, maxRateOf, nextInterval, timeToFull, updateRates, type Headroom, type Rates } from './scheduler.ts';

/** Index of each figure in a native statfs result. */
const V = { frsize: 2, blocks: 3, bfree: 4, bavail: 5, files: 6, ffree: 7, flags: 8, mountId: 9 } as const;
/** The figures a sample is made of: when none moved, only the clock did. */
const FIGURES = [V.frsize, V.blocks, V.bfree, V.bavail, V.files, V.ffree, V.flags] as const;
/** statfs f_flags bit of a read-only mount (ST_RDONLY). */
const ST_RDONLY = 1;

/** Which levels apply to a filesystem and where they come from. */
export interface ThresholdSpec {
  origin: 'entry' | 'default';
  entry?: string;
  blocks?: LevelPair;
  inodes?: LevelPair;
  /** Changes whenever levels are (re)set: the state machines restart armed. */
  generation: number;
  /** The kernel evaluates the block levels (/sys/fs/events/config). */
  kernel: boolean;
}

interface Reading {
  time: number;
  blocks: number;
  inodes: number;
}

/** A headroom as last scheduled, with the resource whose rate it follows. */
type TrackedHeadroom = Headroom & { resource: Resource };

/** An observation ready for ctx.emit. */
export type Emitted = Omit<Observation, 'source'>;

/** The sampled state of one superblock. */
export class FilesystemMonitor {
  readonly major: number;
  readonly minor: number;
  settings: ProbeSettings;
  thresholds: ThresholdSpec | undefined;
  /** When the next sample is due (ms). */
  dueAt: number;
  intervalMs: number;
  /** What the schedule wants before any sampling budget applies (limitIdle), ms. */
  desiredIntervalMs: number;
  /** The last sample changed the available blocks or inodes: the filesystem is being written to. */
  active = false;
  #availability: AvailabilityState;
  #previous: Reading | undefined;
  #rates: { blocks?: Rates; inodes?: Rates } = {};
  #crossing: Partial<Record<Resource, { generation: number; state: CrossingState }>> = {};
  #enospc: Record<Resource, boolean> = { blocks: false, inodes: false };
  /** The latest figures; `time` is filled in by record() (no date formatting per sample). */
  #sample: Omit<SpaceSample, 'time'> & { at: number } | undefined;
  #status: ThresholdStatus | undefined;
  #probe: { lastAnswer: number | undefined; pendingSince: number | undefined; timeouts: number; lastError: string | undefined } = {
    lastAnswer: undefined,
    pendingSince: undefined,
    timeouts: 0,
    lastError: undefined,
  };
  /** What the last full evaluation was made of; an answer equal to it takes the idle path. */
  #basis: { values: readonly number[]; thresholds: ThresholdSpec | undefined; settings: ProbeSettings; headrooms: TrackedHeadroom[] } | undefined;

  constructor(major: number, minor: number, settings: ProbeSettings, now: number) {
    this.major = major;
    this.minor = minor;
    this.settings = settings;
    this.dueAt = now;
    this.intervalMs = settings.maxIntervalMs;
    this.desiredIntervalMs = settings.maxIntervalMs;
    this.#availability = initialAvailability(now);
  }

  /** A call was handed to a thread. */
  started(now: number): void {
    this.#probe.pendingSince = now;
  }

  /** statfs answered with figures. `maxFillRate` is bytes per second. */
  answered(values: readonly number[], now: number, damping: Damping, maxFillRate: number): Emitted[] {
    if (this.#unchanged(values)) return this.#answeredUnchanged(now);
    const out = this.#availabilityChange({ ok: true }, now, damping);
    this.#probe.lastAnswer = now;
    this.#probe.pendingSince = undefined;
    this.#probe.lastError = undefined;
    const frsize = values[V.frsize]!;
    const reading: Reading = { time: now, blocks: values[V.bavail]! * frsize, inodes: values[V.ffree]! };
    const size = values[V.blocks]! * frsize;
    const inodes = values[V.files]!;
    const writable = (values[V.flags]! & ST_RDONLY) === 0;
    const previous = this.#previous;
    this.active = previous !== undefined && (previous.blocks !== reading.blocks || previous.inodes !== reading.inodes);
    if (previous) {
      this.#rates.blocks = updateRates(this.#rates.blocks, previous.blocks, reading.blocks, now - previous.time);
      this.#rates.inodes = updateRates(this.#rates.inodes, previous.inodes, reading.inodes, now - previous.time);
    }
    this.#sample = {
      at: now,
      sizeBytes: size,
      availBytes: reading.blocks,
      freeBytes: values[V.bfree]! * frsize,
      inodes,
      inodesFree: reading.inodes,
      blockBytes: frsize,
      ...optional('timeToFullSeconds', timeToFull(reading.blocks, this.#rates.blocks)),
    };
    const bases: Record<Resource, LevelBasis> = { blocks: { unitBytes: frsize, total: size }, inodes: { unitBytes: 1, total: inodes } };
    const headrooms: TrackedHeadroom[] = [];
    const status: ThresholdStatus | undefined = this.thresholds && { origin: this.thresholds.origin, ...optional('entry', this.thresholds.entry), ...(this.thresholds.kernel ? { kernel: true } : {}) };
    for (const resource of ['blocks', 'inodes'] as const) {
      const total = bases[resource].total;
      if (total <= 0) continue;
      const avail = reading[resource];
      const levels = this.#evaluate(resource, bases[resource], previous?.[resource], avail, now, out);
      if (levels && status) status[resource] = levels.status;
      if (writable) out.push(...this.#enospcChange(resource, avail, total, now));
      if (writable) headrooms.push({ resource, avail, levels: levels ? [levels.status.l1Value, levels.status.l2Value] : [], rate: this.#rates[resource]?.fast ?? 0, maxRate: maxRateOf(resource, maxFillRate) });
    }
    this.#status = status;
    this.#previous = reading;
    this.intervalMs = nextInterval(headrooms, this.settings);
    if (this.#availability.settling) this.intervalMs = Math.min(this.intervalMs, Math.max(this.settings.minIntervalMs, 1000));
    this.desiredIntervalMs = this.intervalMs;
    this.dueAt = now + this.intervalMs;
    this.#basis = { values: values.slice(), thresholds: this.thresholds, settings: this.settings, headrooms };
    return out;
  }

  /**
   * True when an answer says what the last one said, under the same levels and settings, while
   * the mount is reported available: then only the clock moved (the idle path).
   */
  #unchanged(values: readonly number[]): boolean {
    const basis = this.#basis;
    if (!basis || basis.thresholds !== this.thresholds || basis.settings !== this.settings) return false;
    if (!this.#availability.available || this.#availability.settling) return false;
    for (const index of FIGURES) if (values[index] !== basis.values[index]) return false;
    return true;
  }

  /**
   * answered() for figures equal to the last ones, without allocating: no threshold can have
   * been crossed and no state changes, but rates decay, time to full grows and the schedule
   * follows. Thousands of idle filesystems take this path.
   */
  #answeredUnchanged(now: number): Emitted[] {
    this.#probe.lastAnswer = now;
    this.#probe.pendingSince = undefined;
    this.#probe.lastError = undefined;
    this.active = false;
    const previous = this.#previous!;
    decayRates(this.#rates.blocks, now - previous.time);
    decayRates(this.#rates.inodes, now - previous.time);
    previous.time = now;
    const sample = this.#sample!;
    sample.at = now;
    // Decay keeps the sign of the slow rate, so the figure stays present or absent.
    if (sample.timeToFullSeconds !== undefined) sample.timeToFullSeconds = timeToFull(previous.blocks, this.#rates.blocks);
    const { headrooms } = this.#basis!;
    for (const headroom of headrooms) headroom.rate = this.#rates[headroom.resource]?.fast ?? 0;
    this.intervalMs = nextInterval(headrooms, this.settings);
    this.desiredIntervalMs = this.intervalMs;
    this.dueAt = now + this.intervalMs;
    return [];
  }

  /** The sampling budget holds this filesystem back (limitIdle raised its interval). */
  get limited(): boolean {
    return this.intervalMs > this.desiredIntervalMs;
  }

  /**
   * Under a sampling budget, an idle filesystem waits at least `floorMs` (the budget is spent on
   * the ones being written to first), until the next step of the budget's grid (`gridMs`).
   */
  limitIdle(floorMs: number, gridMs: number, now: number): void {
    if (this.active || this.intervalMs >= floorMs) return;
    this.intervalMs = floorMs;
    // On a shared grid, idle samples fall due together: one wake-up (and one thread hand-over)
    // serves many filesystems, which on a VM costs far more than the statfs calls themselves.
    this.dueAt = Math.ceil((now + floorMs) / gridMs) * gridMs;
  }

  /** statfs failed with an errno that means the mount is not answering, or did not answer in time. */
  failed(outcome: Extract<ProbeOutcome, { ok: false }>, now: number, damping: Damping, timedOut: boolean): Emitted[] {
    if (timedOut) this.#probe.timeouts += 1;
    else this.#probe.pendingSince = undefined;
    this.#probe.lastError = outcome.reason;
    this.#reschedule(now);
    return this.#availabilityChange(outcome, now, damping);
  }

  /** statfs failed for a reason that says nothing about availability (ENOENT after an unmount, EACCES…). */
  unprobeable(reason: string, now: number): void {
    this.#probe.pendingSince = undefined;
    this.#probe.lastError = reason;
    this.#reschedule(now);
  }

  #reschedule(now: number): void {
    this.intervalMs = this.settings.maxIntervalMs;
    this.desiredIntervalMs = this.intervalMs;
    this.dueAt = now + this.intervalMs;
  }

  /** What the API shows for this filesystem. */
  record(): SpaceRecord {
    // Plain assignments rather than spreads: /metrics and /api/v1/mounts ask for a thousand of these.
    const probe: ProbeStatus = { class: this.settings.class, intervalMs: this.intervalMs, timeoutMs: this.settings.timeoutMs, timeouts: this.#probe.timeouts };
    if (this.#probe.lastAnswer !== undefined) probe.lastAnswer = new Date(this.#probe.lastAnswer).toISOString();
    if (this.#probe.pendingSince !== undefined) probe.pendingSince = new Date(this.#probe.pendingSince).toISOString();
    if (this.#probe.lastError !== undefined) probe.lastError = this.#probe.lastError;
    if (this.#availability.settling) probe.flapping = true;
    const record: SpaceRecord = { probe };
    if (this.#sample) record.space = spaceSample(this.#sample);
    if (this.#status) record.thresholds = this.#status;
    return record;
  }

  #evaluate(resource: Resource, basis: LevelBasis, previous: number | undefined, avail: number, now: number, out: Emitted[]): { status: ThresholdLevels } | undefined {
    const spec = this.thresholds;
    const pair = spec?.[resource];
    if (!spec || !pair) {
      delete this.#crossing[resource];
      return undefined;
    }
    const levels = { l1: resolveLevel(pair.l1, basis), l2: resolveLevel(pair.l2, basis) };
    let track = this.#crossing[resource];
    if (!track || track.generation !== spec.generation) track = { generation: spec.generation, state: ARMED };
    // The kernel runs these levels itself; its events come from the fs_event source.
    if (previous !== undefined && !(resource === 'blocks' && spec.kernel)) {
      const result = step(track.state, levels, previous, avail);
      track = { ...track, state: result.state };
      if (result.event) out.push(this.#crossingObservation(result.event, resource, pair, levels, avail, basis, now));
    }
    this.#crossing[resource] = track;
    return { status: { l1: pair.l1.text, l2: pair.l2.text, l1Value: levels.l1, l2Value: levels.l2, position: positionOf(track.state) } };
  }

  #crossingObservation(type: Crossing, resource: Resource, pair: LevelPair, levels: { l1: number; l2: number }, avail: number, basis: LevelBasis, now: number): Emitted {
    const level = type === 'THR_LRBELOW' || type === 'THR_LRABOVE' ? levels.l1 : levels.l2;
    const spec = this.thresholds!;
    const data: Record<string, unknown> = { resource, avail, total: basis.total, level, l1: pair.l1.text, l2: pair.l2.text, l1Value: levels.l1, l2Value: levels.l2, origin: spec.origin };
    if (spec.entry !== undefined) data.entry = spec.entry;
    // FS_NL_A_DATA of the proposal: the available block count at the crossing.
    if (resource === 'blocks') data.availBlocks = Math.floor(avail / basis.unitBytes);
    return { type, time: now, mount: { devno: { major: this.major, minor: this.minor } }, data };
  }

  #enospcChange(resource: Resource, avail: number, total: number, now: number): Emitted[] {
    const full = avail === 0;
    if (full === this.#enospc[resource]) return [];
    this.#enospc[resource] = full;
    if (!full) return [];
    return [{ type: 'WARN_ENOSPC', time: now, mount: { devno: { major: this.major, minor: this.minor } }, data: { resource, avail, total, reason: 'statfs' } }];
  }

  #availabilityChange(outcome: ProbeOutcome, now: number, damping: Damping): Emitted[] {
    const { state, report } = observe(this.#availability, outcome, now, damping);
    this.#availability = state;
    if (!report) return [];
    const obs: Emitted = { type: report.type, time: now, mount: { devno: { major: this.major, minor: this.minor } }, data: { ...report.data, probe: 'statfs', fsClass: this.settings.class } };
    if (report.type === 'FS_UNAVAILABLE' && !report.data.transient) obs.severity = 'critical';
    return [obs];
  }
}

function spaceSample({ at, ...figures }: Omit<SpaceSample, 'time'> & { at: number }): SpaceSample {
  return { time: new Date(at).toISOString(), ...figures };
}
