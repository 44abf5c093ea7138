/**
 * @module cluster/incidents
 * One filesystem going bad on many nodes at once is one incident (a shared filesystem's server is
 * down), not many node problems. Bad reports (incidents.types) of the same filesystem — same
 * mount point, fs type and server (data.server, else the device) — within windowSeconds of each
 * other form an incident; at minNodes nodes it is reported as cluster-level (logged once, shown in
 * the API and metrics). A node leaves it bad-wise when FS_AVAILABLE (or an unmount) of that mount
 * arrives; an incident with no bad node left and quiet for the window is closed.
 *
 * The cap: one incident may act on (drain) at most `cap()` nodes. `gate()` sits in front of every
 * action: a fire for a node beyond the cap is answered "skipped: held by the cap" without running,
 * and the undo of a fire held that way is skipped too (there is nothing to undo). Nodes already
 * acted on stay within the cap however often their rules fire.
 */
import type { Logger } from 'pino';
import type { FsEvent } from '../collector/types.ts';
import type { ActionRequest, ActionResult } from '../rules/types.ts';

/** Incidents settings (config `incidents`, with the cap resolved by the caller). */
export interface IncidentSettings {
  types: readonly string[];
  windowMs: number;
  minNodes: number;
  /** Nodes one incident may act on, now (it may depend on how many nodes are known). */
  cap: () => number;
}

/** One node in an incident: whether its mount is still bad, and whether actions ran for it or the cap held them. */
export interface IncidentNode {
  health: 'bad' | 'recovered';
  action: 'none' | 'acted' | 'held';
  since: number;
  /** The last event type it reported for this filesystem. */
  type: string;
}

/** One incident, as the API shows it. */
export interface IncidentView {
  id: number;
  mountpoint: string;
  fstype: string;
  server: string;
  /** node: only one node so far below minNodes; cluster: minNodes or more. */
  level: 'node' | 'cluster';
  open: boolean;
  opened: string;
  lastReport: string;
  closed?: string;
  cap: number;
  acted: number;
  held: number;
  nodes: Array<{ node: string; health: IncidentNode['health']; action: IncidentNode['action']; since: string; type: string }>;
}

interface Incident {
  id: number;
  key: string;
  mountpoint: string;
  fstype: string;
  server: string;
  level: 'node' | 'cluster';
  opened: number;
  lastReport: number;
  closed?: number;
  /** By scheduler node name. */
  nodes: Map<string, IncidentNode>;
}

/** Closed incidents kept for the API. */
const HISTORY = 50;
/** Open incidents tracked at most (distinct filesystems); beyond, new ones are counted, not tracked. */
const MAX_OPEN = 10_000;
const RECOVERY_TYPES = new Set(['FS_AVAILABLE', 'UMOUNT']);

/** The filesystem identity an event reports about, or undefined for node-wide events. */
function keyOf(event: FsEvent): { key: string; mountpoint: string; fstype: string; server: string } | undefined {
  if (event.mountpoint === undefined) return undefined;
  const fstype = event.fstype ?? '';
  const server = typeof event.data?.server === 'string' ? event.data.server : (event.device ?? '');
  return { key: `${event.mountpoint}\0${fstype}\0${server}`, mountpoint: event.mountpoint, fstype, server };
}

/** Tracks incidents and enforces their cap. */
export class Incidents {
  readonly #settings: IncidentSettings;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #types: ReadonlySet<string>;
  readonly #open = new Map<string, Incident>();
  readonly #closed: Incident[] = [];
  /** rule + key of fires held by a cap: their undo is skipped. */
  readonly #heldKeys = new Set<string>();
  #nextId = 1;
  /** Totals for the metrics. */
  readonly totals = { opened: 0, clusterLevel: 0, held: 0, untracked: 0 };

  constructor(settings: IncidentSettings, log: Logger, now: () => number) {
    this.#settings = settings;
    this.#log = log;
    this.#now = now;
    this.#types = new Set(settings.types);
  }

  /** Takes note of a node's events (before the rules see them). */
  observe(node: string, events: readonly FsEvent[]): void {
    const now = this.#now();
    this.#expire(now);
    for (const event of events) {
      const id = keyOf(event);
      if (!id) continue;
      if (this.#types.has(event.type)) this.#bad(node, event, id, now);
      else if (RECOVERY_TYPES.has(event.type)) {
        const entry = this.#open.get(id.key)?.nodes.get(node);
        if (entry && entry.health === 'bad') Object.assign(entry, { health: 'recovered', since: now, type: event.type });
      }
    }
  }

  /** Answers in place of an action that the cap holds back; undefined lets it run. */
  gate(request: ActionRequest): ActionResult | undefined {
    const heldKey = `${request.rule}\0${request.key}`;
    if (request.phase === 'undo') {
      // Kept until a fire of the key runs: every action of the rule has its undo asked for.
      if (!this.#heldKeys.has(heldKey)) return undefined;
      return { outcome: 'skipped', detail: 'its fire was held by an incident cap: nothing to undo' };
    }
    const id = keyOf(request.event);
    const incident = id && this.#types.has(request.event.type) ? this.#open.get(id.key) : undefined;
    const entry = incident?.nodes.get(request.node);
    if (!incident || !entry || entry.action === 'acted') {
      this.#heldKeys.delete(heldKey);
      return undefined;
    }
    // Nodes acted on count for the whole incident, recovered or not: their drains may still hold.
    const acted = [...incident.nodes.values()].filter((n) => n.action === 'acted').length;
    const cap = this.#settings.cap();
    if (acted < cap) {
      entry.action = 'acted';
      this.#heldKeys.delete(heldKey);
      return undefined;
    }
    if (entry.action !== 'held') this.totals.held++;
    entry.action = 'held';
    this.#heldKeys.add(heldKey);
    return { outcome: 'skipped', detail: `held by the cap of incident ${incident.id} (${incident.mountpoint}): ${acted} of at most ${cap} nodes already acted on` };
  }

  /** Open incidents first, then the recently closed ones. */
  list(): IncidentView[] {
    this.#expire(this.#now());
    return [...this.#open.values(), ...[...this.#closed].reverse()].map((i) => this.#view(i));
  }

  /** Open incidents by level, for the metrics. */
  openCount(level: 'node' | 'cluster'): number {
    return [...this.#open.values()].filter((i) => i.level === level).length;
  }

  #bad(node: string, event: FsEvent, id: NonNullable<ReturnType<typeof keyOf>>, now: number): void {
    let incident = this.#open.get(id.key);
    if (!incident) {
      if (this.#open.size >= MAX_OPEN) return void this.totals.untracked++;
      incident = { id: this.#nextId++, key: id.key, mountpoint: id.mountpoint, fstype: id.fstype, server: id.server, level: 'node', opened: now, lastReport: now, nodes: new Map() };
      this.#open.set(id.key, incident);
      this.totals.opened++;
    }
    incident.lastReport = now;
    const entry = incident.nodes.get(node);
    if (!entry) incident.nodes.set(node, { health: 'bad', action: 'none', since: now, type: event.type });
    else if (entry.health === 'recovered') Object.assign(entry, { health: 'bad', since: now, type: event.type });
    if (incident.level === 'node' && incident.nodes.size >= this.#settings.minNodes) {
      incident.level = 'cluster';
      this.totals.clusterLevel++;
      this.#log.warn({ incident: incident.id, mountpoint: incident.mountpoint, fstype: incident.fstype, server: incident.server, nodes: incident.nodes.size, cap: this.#settings.cap() }, 'Cluster-level incident: one filesystem is bad on many nodes');
    }
  }

  #expire(now: number): void {
    for (const [key, incident] of this.#open) {
      const bad = [...incident.nodes.values()].some((n) => n.health === 'bad');
      if (bad || now - incident.lastReport < this.#settings.windowMs) continue;
      this.#open.delete(key);
      incident.closed = now;
      this.#closed.push(incident);
      if (this.#closed.length > HISTORY) this.#closed.shift();
      if (incident.level === 'cluster') this.#log.info({ incident: incident.id, mountpoint: incident.mountpoint }, 'Cluster-level incident closed: every node recovered');
    }
  }

  #view(i: Incident): IncidentView {
    const iso = (ms: number) => new Date(ms).toISOString();
    const nodes = [...i.nodes].map(([node, n]) => ({ node, health: n.health, action: n.action, since: iso(n.since), type: n.type }));
    return {
      id: i.id, mountpoint: i.mountpoint, fstype: i.fstype, server: i.server, level: i.level, open: i.closed === undefined,
      opened: iso(i.opened), lastReport: iso(i.lastReport), ...(i.closed !== undefined ? { closed: iso(i.closed) } : {}),
      cap: this.#settings.cap(), acted: nodes.filter((n) => n.action === 'acted').length, held: nodes.filter((n) => n.action === 'held').length, nodes,
    };
  }
}
