/**
 * @module collector/thresholds/config
 * The threshold configuration as data, and how a set of requests changes it: pure, validated
 * whole, applied whole (a new config) or not at all (a ConfigError naming every bad request).
 * Semantics follow the proposal's v3 code (fs_update_trace_entry): adding types is additive;
 * giving L1 (and L2) replaces those levels and re-arms them; L2 left out keeps the entry's L2
 * (0 for a new entry); `!MOUNT T` drops the levels and their state; `!MOUNT` drops the entry;
 * removing an entry that does not exist is an error. Entries are per filesystem: a request
 * naming another mount of a filesystem that already has an entry updates that entry.
 */
import { ConfigError } from '../../errors.ts';
import { pairProblem, ZERO_LEVEL, type LevelPair } from './levels.ts';
import { formatRequest, parsePieces, type PartialPair, type ThresholdRequest } from './syntax.ts';

/** One configured filesystem. A mount with an entry uses only the entry's levels, never the defaults. */
export interface ThresholdEntry {
  /** Mount path as given (unescaped, normalised). */
  mount: string;
  /** G: generic events wanted (recorded and written through; fsevd reports generic events anyway). */
  generic: boolean;
  /** T levels on available blocks. */
  blocks?: LevelPair;
  /** I levels on available inodes (fsevd extension). */
  inodes?: LevelPair;
  /** Bumped whenever levels are set: the crossing state restarts armed. */
  generation: number;
}

/** Levels for every sampled, writable mount that has no entry. */
export interface ThresholdDefaults {
  blocks?: LevelPair;
  inodes?: LevelPair;
  /** Changes when the defaults change (state machines restart armed). */
  generation: number;
}

/** The whole configuration; `version` increases with every applied write (ETag of the API). */
export interface ThresholdConfig {
  version: number;
  entries: ThresholdEntry[];
  defaults: ThresholdDefaults;
}

/** What applying needs to know about the system. */
export interface ApplyContext {
  /** Rejects adds for paths that are not mount points (API and CLI writes); absent: accept any path. */
  isMountpoint?: (path: string) => boolean;
  /** True when two paths are mounts of one filesystem (one entry per filesystem). */
  sameFilesystem?: (a: string, b: string) => boolean;
  /** Source of fresh generation numbers. */
  nextGeneration: () => number;
}

/**
 * Applies a whole write (text in the request syntax): every malformed request and every request
 * that cannot apply is reported, in order, in one ConfigError; otherwise the new config.
 */
export function applyWrite(config: ThresholdConfig, text: string, context: ApplyContext): ThresholdConfig {
  const pieces = parsePieces(text);
  const valid = pieces.filter((piece): piece is { label: string; parsed: ThresholdRequest } => !('error' in piece.parsed));
  const problems = pieces.flatMap((piece) => ('error' in piece.parsed ? [{ label: piece.label, problem: `${piece.label}: ${piece.parsed.error}` }] : []));
  let next: ThresholdConfig | undefined;
  try {
    next = applyRequests(config, valid.map((piece) => piece.parsed), context, valid.map((piece) => piece.label));
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    problems.push(...err.problems.map((problem) => ({ label: problem, problem })));
  }
  if (problems.length > 0 || !next) {
    const order = (label: string) => Number(/^request (\d+)/.exec(label)?.[1] ?? 0);
    throw new ConfigError(problems.sort((a, b) => order(a.label) - order(b.label)).map((p) => p.problem));
  }
  return next;
}

/** Applies requests in order to a copy; returns the new config or throws ConfigError listing every bad request. */
export function applyRequests(config: ThresholdConfig, requests: readonly ThresholdRequest[], context: ApplyContext, labels?: readonly string[]): ThresholdConfig {
  let entries = config.entries.map((entry) => ({ ...entry }));
  const problems: string[] = [];
  requests.forEach((request, index) => {
    if (request.op === 'clear') {
      entries = [];
      return;
    }
    const label = labels?.[index] ?? `request ${index + 1} ${JSON.stringify(describe(request))}`;
    const at = entries.findIndex((entry) => entry.mount === request.mount || (context.sameFilesystem?.(entry.mount, request.mount) ?? false));
    if (request.op === 'remove') {
      if (at < 0) return void problems.push(`${label}: there is no entry for ${request.mount} to remove`);
      if (request.types.length === 0) return void entries.splice(at, 1);
      const entry = entries[at]!;
      if (request.types.includes('G')) entry.generic = false;
      if (request.types.includes('T')) delete entry.blocks;
      if (request.types.includes('I')) delete entry.inodes;
      return;
    }
    if (context.isMountpoint && !context.isMountpoint(request.mount)) {
      return void problems.push(`${label}: ${request.mount} is not a mount point (mount it first, or put the line in the config file)`);
    }
    const entry = at >= 0 ? entries[at]! : { mount: request.mount, generic: false, generation: context.nextGeneration() };
    const blocks = merged(request.blocks, entry.blocks);
    const inodes = merged(request.inodes, entry.inodes);
    const problem = (blocks && pairProblem(blocks)) || (inodes && pairProblem(inodes));
    const keptL2 = (request.blocks && !request.blocks.l2 && entry.blocks) || (request.inodes && !request.inodes.l2 && entry.inodes);
    if (problem) return void problems.push(`${label}: ${problem}${keptL2 ? ' (L2 kept from the existing entry)' : ''}`);
    entry.generic ||= request.generic;
    if (blocks) entry.blocks = blocks;
    if (inodes) entry.inodes = inodes;
    if (request.blocks || request.inodes) entry.generation = context.nextGeneration();
    if (at < 0) entries.push(entry);
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return { version: config.version + 1, entries, defaults: config.defaults };
}

/** The entry's levels after a request: new L1, new or kept L2 (0 when there was none). */
function merged(requested: PartialPair | undefined, existing: LevelPair | undefined): LevelPair | undefined {
  if (!requested) return existing;
  return { l1: requested.l1, l2: requested.l2 ?? existing?.l2 ?? ZERO_LEVEL };
}

/** The configuration as requests that recreate it (persistence, PUT round trips). */
export function toRequestLines(config: ThresholdConfig): string[] {
  return config.entries.map(formatRequest);
}

function describe(request: Exclude<ThresholdRequest, { op: 'clear' }>): string {
  if (request.op === 'remove') return `!${request.mount}${request.types.map((t) => ` ${t}`).join('')}`;
  const pair = (keyword: string, p?: PartialPair) => (p ? ` ${keyword} ${p.l1.text}${p.l2 ? ` ${p.l2.text}` : ''}` : '');
  return `${request.mount}${request.generic ? ' G' : ''}${pair('T', request.blocks)}${pair('I', request.inodes)}`;
}
