/**
 * @module collector/pipeline/correlate
 * Folds the same fault, reported by several sources or many times, into few events. Pure: the
 * caller supplies the time and runs `due()` when `nextDue` comes (the pipeline with a timer,
 * `fsevd parse-log` with the log's own clock).
 *
 * A fault is identified by the filesystem (its device number once gathered, else the unresolved
 * reference) and a family of event types (fault-family.ts), never by source: fanotify's FS_ERROR,
 * the kernel log's "EXT4-fs error" and a sysfs errors_count increase for one filesystem share a key.
 * A generic report from another source may join a more specific open fault (a btrfs corruption
 * counter, FS_ERROR, joins the kernel log's checksum error of that filesystem and takes its type).
 *
 * The latency trade (holdMs):
 * - holdMs = 0 (default): the first observation of a fault is published at once, so the fastest
 *   source (fanotify, ~50 µs from the kernel) sets the latency. Everything else about the fault
 *   that arrives while it stays active (no quiet gap of windowMs) is folded into ONE follow-up
 *   event, published when it goes quiet: same type family, `sources` = every source that reported
 *   the fault, `count` = the observations it folds, `data.incident` = { seq of the first event,
 *   total observations so far }. A storm that never goes quiet gets a follow-up every maxSpanMs.
 * - holdMs > 0: the first event waits holdMs, so reports arriving within it are in the event
 *   itself (one event with all sources) at the cost of holdMs of latency.
 * Readers that want one event per fault take the events without `data.incident`; readers that
 * want totals add up `count`.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { Gathered, GatheredEvent } from '../gatherer.ts';
import { faultFamily, joinableFamilies, moreSevere, oppositeFamily } from './fault-family.ts';

/** Config of `correlation`. */
export const configSchema = Type.Object(
  {
    windowMs: Type.Integer({ minimum: 0, maximum: 3_600_000, default: 5000, description: 'Reports of the same fault (same filesystem, same kind) less than this apart are folded into one event; the default spans the kernel\'s 5 s printk rate-limit interval.' }),
    holdMs: Type.Integer({ minimum: 0, maximum: 60_000, default: 0, description: 'Delay before the first event of a fault is published so that other sources\' reports fold into it. 0 publishes at once (lowest latency) and reports the rest in one follow-up event.' }),
    maxSpanMs: Type.Integer({ minimum: 1000, maximum: 86_400_000, default: 60_000, description: 'A fault that never goes quiet (a storm) still gets a follow-up event with its count this often.' }),
  },
  { additionalProperties: false, default: {} },
);

/** Parsed `correlation` config. */
export type CorrelationConfig = Static<typeof configSchema>;

/** Bounds the open incidents (one per faulty filesystem and family); the oldest is closed early. */
const MAX_OPEN = 4096;

interface Incident {
  key: string;
  /** The first report: its type is the fault's (a joined generic report takes it). */
  first: GatheredEvent;
  /** Seq of the first published event; 0 while the first is held. */
  firstSeq: number;
  lastAt: number;
  lastPublishedAt: number;
  holdUntil: number;
  total: number;
  sources: Set<string>;
  /** Folded since the last publication (or the held first event). */
  pending?: { item: Gathered; count: number };
}

/** Publishes an event (with the mounts whose state it changes) and returns the sequence number it got. */
export type Publish = (item: Gathered) => number;

/** The correlation state of one pipeline. */
export class Correlator {
  #config: CorrelationConfig;
  readonly #publish: Publish;
  readonly #open = new Map<string, Incident>();

  constructor(config: CorrelationConfig, publish: Publish) {
    this.#config = config;
    this.#publish = publish;
  }

  /** New windows apply to faults that open from now on. */
  setConfig(config: CorrelationConfig): void {
    this.#config = config;
  }

  /** Takes one gathered event at `now` (ms); publishes, holds or folds it. */
  offer(item: Gathered, now: number): void {
    const event = item.event;
    const family = faultFamily(event.type);
    if (family === undefined) {
      this.#publish(item);
      return;
    }
    const target = mountKey(event);
    if (this.#join(target, item, now)) return;
    const opposite = oppositeFamily(family);
    // FS_AVAILABLE ends an FS_UNAVAILABLE fault (and vice versa): its folded reports go out first.
    if (opposite) this.#close(`${target}|${opposite}`);
    const key = `${target}|${family}`;
    // Availability is a state: its changes are never held back (a held FS_UNAVAILABLE could be
    // published after the FS_AVAILABLE that ended it).
    const holdMs = opposite ? 0 : this.#config.holdMs;
    let incident = this.#open.get(key);
    if (incident && now - incident.lastAt >= this.#config.windowMs) {
      this.#close(key);
      incident = undefined;
    }
    if (!incident) {
      this.#openIncident(key, item, now, holdMs);
      return;
    }
    this.#fold(incident, item, now);
  }

  /**
   * A generic report from a source that has not reported an open specific fault of the same
   * filesystem is that source's account of the fault: it joins it under the fault's type.
   */
  #join(target: string, item: Gathered, now: number): boolean {
    for (const family of joinableFamilies(item.event.type)) {
      const incident = this.#open.get(`${target}|${family}`);
      if (!incident || now - incident.lastAt >= this.#config.windowMs || item.event.sources.some((s) => incident.sources.has(s))) continue;
      const { type, code, class: cls, severity, transient } = incident.first;
      this.#fold(incident, { event: { ...item.event, type, code, class: cls, severity, transient }, mountIds: item.mountIds }, now);
      return true;
    }
    return false;
  }

  #fold(incident: Incident, item: Gathered, now: number): void {
    incident.total += 1;
    incident.lastAt = now;
    for (const source of item.event.sources) incident.sources.add(source);
    incident.pending = incident.pending ? { item: fold(incident.pending.item, item), count: incident.pending.count + item.event.count } : { item, count: item.event.count };
    if (incident.firstSeq > 0 && now - incident.lastPublishedAt >= this.#config.maxSpanMs) this.#flush(incident, now);
  }

  /** Publishes what is due at `now`: held first events, follow-ups of quiet or long faults. */
  due(now: number): void {
    for (const incident of [...this.#open.values()]) {
      if (incident.firstSeq === 0) {
        if (now >= incident.holdUntil) this.#flush(incident, now);
        continue;
      }
      if (now - incident.lastAt >= this.#config.windowMs) this.#close(incident.key);
      else if (incident.pending && now - incident.lastPublishedAt >= this.#config.maxSpanMs) this.#flush(incident, now);
    }
  }

  /** When `due` next has something to do (ms), or undefined when nothing is open. */
  get nextDue(): number | undefined {
    let next: number | undefined;
    for (const incident of this.#open.values()) {
      const at = incident.firstSeq === 0
        ? incident.holdUntil
        : Math.min(incident.lastAt + this.#config.windowMs, incident.pending ? incident.lastPublishedAt + this.#config.maxSpanMs : Infinity);
      if (next === undefined || at < next) next = at;
    }
    return next;
  }

  /** Publishes everything held or folded and forgets all faults (stop, end of input). */
  drain(): void {
    for (const key of [...this.#open.keys()]) this.#close(key);
  }

  #openIncident(key: string, item: Gathered, now: number, holdMs: number): void {
    if (this.#open.size >= MAX_OPEN) this.#close(this.#open.keys().next().value!);
    const incident: Incident = { key, first: item.event, firstSeq: 0, lastAt: now, lastPublishedAt: now, holdUntil: now + holdMs, total: 1, sources: new Set(item.event.sources) };
    this.#open.set(key, incident);
    if (holdMs > 0) incident.pending = { item, count: item.event.count };
    else incident.firstSeq = this.#publish(item);
  }

  /** Publishes the pending part: the held first event, or a follow-up of the first. */
  #flush(incident: Incident, now: number): void {
    const pending = incident.pending;
    if (!pending) return;
    incident.pending = undefined;
    incident.lastPublishedAt = now;
    const sources = [...incident.sources];
    const { event, mountIds } = pending.item;
    if (incident.firstSeq === 0) {
      incident.firstSeq = this.#publish({ event: { ...event, sources, count: pending.count }, mountIds });
      return;
    }
    const data = { ...event.data, incident: { seq: incident.firstSeq, total: incident.total } };
    this.#publish({ event: { ...event, sources, count: pending.count, data }, mountIds });
  }

  #close(key: string): void {
    const incident = this.#open.get(key);
    if (!incident) return;
    this.#flush(incident, incident.lastAt);
    this.#open.delete(key);
  }
}

/** The filesystem an event concerns: its superblock, else the reference nobody could resolve. */
function mountKey(event: GatheredEvent): string {
  if (event.major !== undefined && event.minor !== undefined) return `${event.major}:${event.minor}`;
  const unresolved = event.data.unresolvedMount;
  // A node-wide event (a source's own loss report) is its source's alone.
  return unresolved === undefined ? `node:${event.sources.join(',')}` : `ref:${JSON.stringify(unresolved)}`;
}

/** Folds a later report into the pending one: the more severe type wins, data is completed, not overwritten. */
function fold(intoItem: Gathered, laterItem: Gathered): Gathered {
  const into = intoItem.event;
  const later = laterItem.event;
  const data = { ...into.data };
  const exactErrno = typeof data.errno === 'number' && data.errnoInferred === undefined;
  for (const [key, value] of Object.entries(later.data)) {
    // A guess never marks an errno that a source reported exactly.
    if (key === 'errnoInferred' && exactErrno) continue;
    if (!(key in data)) data[key] = value;
    else if (key === 'lost' && typeof value === 'number' && typeof data.lost === 'number') data.lost += value;
  }
  // An exact errno (fanotify reports the kernel's) replaces one guessed from a log message.
  if (data.errnoInferred === true && typeof later.data.errno === 'number' && later.data.errnoInferred === undefined) {
    data.errno = later.data.errno;
    delete data.errnoInferred;
  }
  const base = moreSevere(later, into) ? { ...later, time: into.time } : into;
  return { event: { ...base, data }, mountIds: [...new Set([...intoItem.mountIds, ...laterItem.mountIds])] };
}
