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
 *
 * snapshot()/restore() carry all of it across a restart (incident-store.ts keeps it on disk), so
 * a restarted subscriber neither grants an open incident a fresh cap nor undoes a held fire.
 */
import { Type, type Static } from '@sinclair/typebox';
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

const NodeSchema = Type.Object({
  health: Type.Union([Type.Literal('bad'), Type.Literal('recovered')]),
  action: Type.Union([Type.Literal('none'), Type.Literal('acted'), Type.Literal('held')]),
  since: Type.Number(),
  type: Type.String(),
});
const IncidentSchema = Type.Object({
  id: Type.Integer({ minimum: 1 }),
  key: Type.String(),
  mountpoint: Type.String(),
  fstype: Type.String(),
  server: Type.String(),
  level: Type.Union([Type.Literal('node'), Type.Literal('cluster')]),
  opened: Type.Number(),
  lastReport: Type.Number(),
  closed: Type.Optional(Type.Number()),
  nodes: Type.Array(Type.Tuple([Type.String(), NodeSchema])),
});

/** Everything the incidents tracker knows, as plain JSON (incident-store.ts writes it). */
export const IncidentSnapshotSchema = Type.Object({
  format: Type.Literal(1),
  nextId: Type.Integer({ minimum: 1 }),
  open: Type.Array(IncidentSchema),
  closed: Type.Array(IncidentSchema),
  heldKeys: Type.Array(Type.String()),
  totals: Type.Object({ opened: Type.Integer(), clusterLevel: Type.Integer(), held: Type.Integer(), untracked: Type.Integer() }),
});

/** See IncidentSnapshotSchema. */
export type IncidentSnapshot = Static<typeof IncidentSnapshotSchema>;

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

  /** Called after every change of what snapshot() returns. */
  readonly #changed: () => void;

  constructor(settings: IncidentSettings, log: Logger, now: () => number, changed: () => void = () => undefined) {
    this.#settings = settings;
    this.#log = log;
    this.#now = now;
    this.#types = new Set(settings.types);
    this.#changed = changed;
  }

  /** The whole state, to be restored after a restart. */
  snapshot(): IncidentSnapshot {
    const plain = (i: Incident) => ({ ...i, nodes: [...i.nodes].map(([node, entry]): [string, IncidentNode] => [node, { ...entry }]) });
    return { format: 1, nextId: this.#nextId, open: [...this.#open.values()].map(plain), closed: this.#closed.map(plain), heldKeys: [...this.#heldKeys], totals: { ...this.totals } };
  }

  /** Takes over a snapshot (at start, before any event). */
  restore(snapshot: IncidentSnapshot): void {
    const live = (i: Static<typeof IncidentSchema>): Incident => ({ ...i, nodes: new Map(i.nodes) });
    this.#open.clear();
    for (const incident of snapshot.open) this.#open.set(incident.key, live(incident));
    this.#closed.splice(0, this.#closed.length, ...snapshot.closed.map(live));
    this.#heldKeys.clear();
    for (const key of snapshot.heldKeys) this.#heldKeys.add(key);
    this.#nextId = snapshot.nextId;
    Object.assign(this.totals, snapshot.totals);
  }

  /** Takes note of a node's events (before the rules see them). */
  observe(node: string, events: readonly FsEvent[]): void {
    const now = this.#now();
    let changed = this.#expire(now);
    for (const event of events) {
      const id = keyOf(event);
      if (!id) continue;
      if (this.#types.has(event.type)) changed = this.#bad(node, event, id, now) || changed;
      else if (RECOVERY_TYPES.has(event.type)) {
        const entry = this.#open.get(id.key)?.nodes.get(node);
        if (entry && entry.health === 'bad') {
          Object.assign(entry, { health: 'recovered', since: now, type: event.type });
          changed = true;
        }
      }
    }
    if (changed) this.#changed();
  }

  /** Answers in place of an action that the cap holds back; undefined lets it run. */
  gate(request: ActionRequest): ActionResult | undefined {
    const before = this.#gateState(request);
    const answer = this.#decide(request);
    if (this.#gateState(request) !== before) this.#changed();
    return answer;
  }

  /** What gate() may change for this request: the held mark of its key and its node's action. */
  #gateState(request: ActionRequest): string {
    const id = keyOf(request.event);
    const action = id ? this.#open.get(id.key)?.nodes.get(request.node)?.action : undefined;
    return `${this.#heldKeys.has(`${request.rule}\0${request.key}`)} ${action}`;
  }

  #decide(request: ActionRequest): ActionResult | undefined {
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
    if (this.#expire(this.#now())) this.#changed();
    return [...this.#open.values(), ...[...this.#closed].reverse()].map((i) => this.#view(i));
  }

  /** Open incidents by level, for the metrics. */
  openCount(level: 'node' | 'cluster'): number {
    return [...this.#open.values()].filter((i) => i.level === level).length;
  }

  /** Notes a bad report; returns whether anything was tracked. */
  #bad(node: string, event: FsEvent, id: NonNullable<ReturnType<typeof keyOf>>, now: number): boolean {
    let incident = this.#open.get(id.key);
    if (!incident) {
      if (this.#open.size >= MAX_OPEN) {
        this.totals.untracked++;
        return false;
      }
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
    return true;
  }

  /** Closes quiet incidents with no bad node; returns whether any closed. */
  #expire(now: number): boolean {
    let closed = false;
    for (const [key, incident] of this.#open) {
      const bad = [...incident.nodes.values()].some((n) => n.health === 'bad');
      if (bad || now - incident.lastReport < this.#settings.windowMs) continue;
      this.#open.delete(key);
      incident.closed = now;
      this.#closed.push(incident);
      if (this.#closed.length > HISTORY) this.#closed.shift();
      closed = true;
      if (incident.level === 'cluster') this.#log.info({ incident: incident.id, mountpoint: incident.mountpoint }, 'Cluster-level incident closed: every node recovered');
    }
    return closed;
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
