/**
 * @module api/stream/filter
 * Which events a subscriber wants: event types or classes, a minimum severity, mount-point globs,
 * filesystem types and sources. One spec for every reader (WebSocket subscribe, SSE and REST
 * query parameters, `fsevd monitor` flags); each field narrows (AND), values within a field widen
 * (OR); an absent or empty field does not filter. Compiled once per subscription to a predicate.
 *
 * Mount globs: see glob.ts (`*` within a component, `**` across, a trailing `/**` includes the
 * directory itself).
 * Events without a mount (a source's EVENTS_LOST) never match a mounts or fstypes filter.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { eventTypes } from '../../collector/events.ts';
import type { EventClass, FsEvent, Severity } from '../../collector/types.ts';
import { FsevdError } from '../../errors.ts';
import { compileGlob } from './glob.ts';
import { validator } from './validate.ts';

/** Severities from least to most severe; `severity` in a filter is a minimum on this scale. */
export const severityOrder: readonly Severity[] = ['debug', 'info', 'notice', 'warning', 'error', 'critical'];

const eventClasses: readonly EventClass[] = ['info', 'warning', 'error', 'threshold'];

/** Most values one list may carry; a filter is a handful of names, not a data set. */
const MAX_VALUES = 64;
/** Most globs, and longest glob: matching costs O(path × glob) per event, so both are bounded. */
const MAX_GLOBS = 16;
const MAX_GLOB_LENGTH = 1024;

const list = <T extends TSchema>(item: T, description: string, maxItems = MAX_VALUES) => Type.Optional(Type.Array(item, { maxItems, description }));

/** A filter as JSON (WebSocket subscribe message). */
export const filterSchema = Type.Object(
  {
    types: list(Type.Union(eventTypes.map((t) => Type.Literal(t))), 'Event types (MOUNT, ERR_REMOUNT_RO, ...).'),
    classes: list(Type.Union(eventClasses.map((c) => Type.Literal(c))), 'Event classes: info, warning, error, threshold.'),
    severity: Type.Optional(Type.Union(severityOrder.map((s) => Type.Literal(s)), { description: 'Minimum severity.' })),
    mounts: list(Type.String({ minLength: 1, maxLength: MAX_GLOB_LENGTH }), 'Mount-point globs (* within a component, ** across, ? one character).', MAX_GLOBS),
    fstypes: list(Type.String({ minLength: 1, maxLength: 256 }), 'Filesystem types (ext4, xfs, fuse.sshfs, ...).'),
    sources: list(Type.String({ minLength: 1, maxLength: 256 }), 'Sources that reported the event (mountinfo, kmsg, api, ...).'),
  },
  { additionalProperties: false },
);

/** A filter spec. */
export type FilterSpec = Static<typeof filterSchema>;

/** The compiled form. `all` is true when the filter accepts every event (the fan-out's fast path). */
export interface EventFilter {
  readonly all: boolean;
  matches(event: FsEvent): boolean;
}

/** Compiles a (validated) spec. */
export function compileFilter(spec: FilterSpec): EventFilter {
  const tests: Array<(event: FsEvent) => boolean> = [];
  const types = nonEmpty(spec.types);
  if (types) tests.push((e) => types.has(e.type));
  const classes = nonEmpty(spec.classes);
  if (classes) tests.push((e) => classes.has(e.class));
  if (spec.severity) {
    const minimum = severityOrder.indexOf(spec.severity);
    tests.push((e) => severityOrder.indexOf(e.severity) >= minimum);
  }
  if (spec.mounts?.length) {
    const globs = spec.mounts.map(compileGlob);
    tests.push((e) => e.mountpoint !== undefined && globs.some((glob) => glob(e.mountpoint!)));
  }
  const fstypes = nonEmpty(spec.fstypes);
  if (fstypes) tests.push((e) => e.fstype !== undefined && fstypes.has(e.fstype));
  const sources = nonEmpty(spec.sources);
  if (sources) tests.push((e) => e.sources.some((s) => sources.has(s)));
  if (tests.length === 0) return { all: true, matches: () => true };
  return { all: false, matches: (event) => tests.every((test) => test(event)) };
}

function nonEmpty<T>(values: readonly T[] | undefined): Set<T> | undefined {
  return values && values.length > 0 ? new Set(values) : undefined;
}

const listParameter = (description: string) =>
  Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())], { description: `${description} Comma-separated, or the parameter repeated.` }));

/** The filter as query parameters (SSE, REST history); the same names as the JSON form. */
export const filterQuerySchema = {
  types: listParameter('Event types.'),
  classes: listParameter('Event classes.'),
  severity: Type.Optional(Type.String({ description: 'Minimum severity.' })),
  mounts: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())], { description: 'Mount-point glob; repeat the parameter for several (commas are part of a glob).' })),
  fstypes: listParameter('Filesystem types.'),
  sources: listParameter('Sources.'),
};

/** Query parameters as parsed by fastify (a repeated parameter becomes an array). */
export type FilterQuery = { [K in keyof typeof filterQuerySchema]?: string | string[] };

const validateFilter = validator(filterSchema);

/** The filter spec of query parameters; throws FsevdError BAD_REQUEST naming the bad parameter. */
export function filterFromQuery(query: FilterQuery): FilterSpec {
  const split = (value: string | string[] | undefined) => (value === undefined ? undefined : [value].flat().flatMap((v) => v.split(',')).filter(Boolean));
  const spec: Record<string, unknown> = {
    types: split(query.types),
    classes: split(query.classes),
    severity: query.severity,
    mounts: query.mounts === undefined ? undefined : [query.mounts].flat(),
    fstypes: split(query.fstypes),
    sources: split(query.sources),
  };
  for (const key of Object.keys(spec)) if (spec[key] === undefined) delete spec[key];
  const problem = validateFilter(spec);
  if (problem !== undefined) throw new FsevdError('FSEVD_E_BAD_REQUEST', `Bad filter parameter ${problem}`);
  return spec as FilterSpec;
}
