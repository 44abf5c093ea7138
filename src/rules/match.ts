/**
 * @module rules/match
 * Compiles a rule's `match` (or `resolve`) to a predicate over the stream filter's fields (types,
 * classes, minimum severity, mount globs, fstypes, sources; api/stream/filter.ts) plus device
 * globs and data fields. Data fields are dotted paths into `event.data`; a value matches when it
 * equals the given scalar or any of a list (strict equality, so `5` is not `"5"`).
 *
 * It runs for every event against the rules the engine's index (candidates.ts) found for its type
 * and mount point, so it is built for that: `matchesIndexed` skips the two conditions the index
 * already checked, the cheap set lookups come first, and glob answers are remembered per path (a
 * node has few mount points and devices, while an event storm repeats them endlessly).
 */
import { severityOrder } from '../api/stream/filter.ts';
import { compileGlob, type Glob } from '../api/stream/glob.ts';
import type { EventType } from '../collector/events.ts';
import type { FsEvent, Severity } from '../collector/types.ts';
import type { MatchSpec } from './schema.ts';

/** Paths remembered per glob list; beyond it the memory starts over (bounded, still correct). */
const MAX_REMEMBERED_PATHS = 4096;

/** A compiled matcher. */
export interface Matcher {
  matches(event: FsEvent): boolean;
  /** Same answer as matches for an event whose type and mount point it accepts (types, acceptsMount): tests only the rest. */
  matchesIndexed(event: FsEvent): boolean;
  /** The event types it can match, or undefined for any type (lets the engine index rules by type). */
  types: ReadonlySet<EventType> | undefined;
  /** Whether its mount condition can accept this mount point (true without one); lets the engine index rules by mount. */
  acceptsMount(mountpoint: string | undefined): boolean;
}

const severityRank = Object.fromEntries(severityOrder.map((s, i) => [s, i])) as Record<Severity, number>;

/** Compiles a validated matcher. */
export function compileMatcher(spec: MatchSpec): Matcher {
  // Beyond the type and mount point, which the index checks once per pair.
  const tests: Array<(event: FsEvent) => boolean> = [];
  const set = <T>(values: readonly T[] | undefined) => (values && values.length > 0 ? new Set(values) : undefined);
  const types = set(spec.types);
  const classes = set(spec.classes);
  if (classes) tests.push((e) => classes.has(e.class));
  if (spec.severity) {
    const minimum = severityRank[spec.severity];
    tests.push((e) => severityRank[e.severity] >= minimum);
  }
  const fstypes = set(spec.fstypes);
  if (fstypes) tests.push((e) => e.fstype !== undefined && fstypes.has(e.fstype));
  const sources = set(spec.sources);
  if (sources) tests.push((e) => e.sources.some((s) => sources.has(s)));
  const mounts = spec.mounts?.length ? rememberedGlobs(spec.mounts) : undefined;
  const acceptsMount = (mountpoint: string | undefined) => mounts === undefined || (mountpoint !== undefined && mounts(mountpoint));
  if (spec.devices?.length) {
    const devices = rememberedGlobs(spec.devices);
    tests.push((e) => e.device !== undefined && devices(e.device));
  }
  for (const [path, wanted] of Object.entries(spec.data ?? {})) {
    const keys = path.split('.');
    const accepted = new Set(Array.isArray(wanted) ? wanted : [wanted]);
    tests.push((e) => accepted.has(lookup(e.data, keys) as never));
  }
  const matchesIndexed = (event: FsEvent) => {
    for (const test of tests) if (!test(event)) return false;
    return true;
  };
  return {
    types,
    acceptsMount,
    matchesIndexed,
    matches: (event) => (types === undefined || types.has(event.type)) && acceptsMount(event.mountpoint) && matchesIndexed(event),
  };
}

/** Any of the globs matches the path; answers remembered per path. */
function rememberedGlobs(patterns: readonly string[]): Glob {
  const globs = patterns.map(compileGlob);
  const remembered = new Map<string, boolean>();
  return (path) => {
    let answer = remembered.get(path);
    if (answer === undefined) {
      answer = globs.some((glob) => glob(path));
      if (remembered.size >= MAX_REMEMBERED_PATHS) remembered.clear();
      remembered.set(path, answer);
    }
    return answer;
  };
}

function lookup(data: Record<string, unknown>, keys: readonly string[]): unknown {
  let value: unknown = data;
  for (const key of keys) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
