/**
 * @module collector/thresholds/syntax
 * Pure parser and printer of the proposal's configuration language (fs-event-protocol.md §4,
 * v2/v3): `MOUNT [G] [T L1 [L2]]` adds or updates, `!MOUNT [TYPE...]` removes an entry or some of
 * its types, an empty write clears every entry, `;` separates requests. fsevd's extensions, all
 * unambiguous: `I L1 [L2]` sets inode levels, levels take units (levels.ts), and a mount path may
 * hold `\NNN` octal byte escapes (as in /proc/self/mountinfo), written for whitespace, `\` and `;`.
 * Stricter than the kernel where it silently guessed: unknown type tokens, duplicate types and a
 * `;` that leaves an empty request among others are errors, each naming the request.
 */
import { posix } from 'node:path';
import { ConfigError } from '../../errors.ts';
import { decodeBytes, encodeBytes } from '../../util/bytes.ts';
import { optional } from '../../util/optional.ts';
import { looksLikeLevel, pairProblem, parseLevel, ZERO_LEVEL, type Level, type LevelPair, type Resource } from './levels.ts';

/** A type keyword: G generic events, T block thresholds, I inode thresholds (extension). */
export type TypeKeyword = 'G' | 'T' | 'I';

/** One parsed request. */
export type ThresholdRequest =
  | { op: 'clear' }
  | { op: 'add'; mount: string; generic: boolean; blocks?: PartialPair; inodes?: PartialPair }
  /** `types` empty: remove the whole entry. */
  | { op: 'remove'; mount: string; types: TypeKeyword[] };

/** Levels as requested: L2 may be left out (it is then kept, or 0 for a new entry). */
export interface PartialPair {
  l1: Level;
  l2?: Level;
}

const KEYWORDS: readonly string[] = ['G', 'T', 'I'];
const ESCAPED = /[\s\\;]/g;

/** One `;`-separated piece of a write: its label for messages, and the request or why it is malformed. */
export interface RequestPiece {
  /** `request N "TEXT"`. */
  label: string;
  parsed: ThresholdRequest | { error: string };
}

/** Splits and parses a write; an empty write is the single request "clear". Never throws. */
export function parsePieces(text: string): RequestPiece[] {
  const pieces = text.split(';');
  if (pieces.every((piece) => piece.trim() === '')) {
    if (pieces.length > 1) return [{ label: 'request 1 ";"', parsed: { error: 'a write of only ";" is ambiguous: send an empty request to clear every entry' } }];
    return [{ label: 'request 1 ""', parsed: { op: 'clear' } }];
  }
  return pieces.map((piece, index) => ({
    label: `request ${index + 1} ${JSON.stringify(piece.trim())}`,
    parsed: piece.trim() === '' ? { error: 'is empty: an empty request clears every entry and is only accepted alone' } : parseRequest(piece),
  }));
}

/** Parses a whole write; throws ConfigError listing every bad request and why. */
export function parseRequests(text: string): ThresholdRequest[] {
  const pieces = parsePieces(text);
  const problems = pieces.flatMap((piece) => ('error' in piece.parsed ? [`${piece.label}: ${piece.parsed.error}`] : []));
  if (problems.length > 0) throw new ConfigError(problems);
  return pieces.map((piece) => piece.parsed as ThresholdRequest);
}

/** Parses the defaults spec: a request without its mount path, e.g. `T 10% 5%`; empty means none. */
export function parseDefaults(text: string): { blocks?: LevelPair; inodes?: LevelPair } {
  if (text.trim() === '') return {};
  const parsed = parseTypes(text.trim().split(/\s+/));
  if ('error' in parsed) throw new ConfigError([`thresholds.defaults ${JSON.stringify(text)}: ${parsed.error}`]);
  if (parsed.generic) throw new ConfigError([`thresholds.defaults ${JSON.stringify(text)}: only T and I levels make sense as defaults`]);
  const complete = (pair: PartialPair | undefined) => (pair ? { l1: pair.l1, l2: pair.l2 ?? ZERO_LEVEL } : undefined);
  return { ...optional('blocks', complete(parsed.blocks)), ...optional('inodes', complete(parsed.inodes)) };
}

function parseRequest(piece: string): ThresholdRequest | { error: string } {
  const [first, ...tokens] = piece.trim().split(/\s+/) as [string, ...string[]];
  const remove = first.startsWith('!');
  const mount = parseMountPath(remove ? first.slice(1) : first);
  if (typeof mount !== 'string') return mount;
  if (remove) {
    const types: TypeKeyword[] = [];
    for (const token of tokens) {
      if (!KEYWORDS.includes(token)) return { error: `${JSON.stringify(token)} is not an event type to remove (expected G, T or I; levels are not given when removing)` };
      if (types.includes(token as TypeKeyword)) return { error: `${token} is given twice` };
      types.push(token as TypeKeyword);
    }
    return { op: 'remove', mount, types };
  }
  if (tokens.length === 0) return { error: 'no event type: give G, T L1 [L2] or I L1 [L2] (or !MOUNT to remove the entry)' };
  const parsed = parseTypes(tokens);
  if ('error' in parsed) return parsed;
  return { op: 'add', mount, ...parsed };
}

type ParsedTypes = { generic: boolean; blocks?: PartialPair; inodes?: PartialPair };

/** The type part of an add request: `G`, `T L1 [L2]`, `I L1 [L2]`, in any order, each once. */
function parseTypes(tokens: string[]): ParsedTypes | { error: string } {
  const result: ParsedTypes = { generic: false };
  const seen = new Set<string>();
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (!KEYWORDS.includes(token)) {
      const why = looksLikeLevel(token) ? 'a level must follow T or I' : 'unknown event type (expected G, T or I)';
      return { error: `${JSON.stringify(token)}: ${why}` };
    }
    if (seen.has(token)) return { error: `${token} is given twice` };
    seen.add(token);
    if (token === 'G') {
      result.generic = true;
      continue;
    }
    const resource: Resource = token === 'T' ? 'blocks' : 'inodes';
    const levels = parsePair(token, resource, tokens[i + 1], tokens[i + 2]);
    if ('error' in levels) return levels;
    result[resource] = levels.pair;
    i += levels.used;
  }
  return result;
}

/** `T L1 [L2]`: as in the kernel, a token after L1 is always read as L2 (so `T 100 G` is an error). */
function parsePair(keyword: string, resource: Resource, l1Token: string | undefined, l2Token: string | undefined): { pair: PartialPair; used: number } | { error: string } {
  if (l1Token === undefined || KEYWORDS.includes(l1Token)) return { error: `${keyword} needs L1 right after it (${keyword} L1 [L2])` };
  const l1 = parseLevel(l1Token, resource);
  if ('error' in l1) return { error: `L1 ${l1.error}` };
  if (l2Token === undefined) return { pair: { l1 }, used: 1 };
  if (!looksLikeLevel(l2Token)) {
    const reorder = l2Token === keyword ? '' : ` or put ${l2Token} before ${keyword}`;
    return { error: `${JSON.stringify(l2Token)} after ${keyword} ${l1Token} is read as L2 and is not a number: give L2 (${keyword} ${l1Token} 0 ${l2Token})${reorder}` };
  }
  const l2 = parseLevel(l2Token, resource);
  if ('error' in l2) return { error: `L2 ${l2.error}` };
  const problem = pairProblem({ l1, l2 });
  if (problem) return { error: problem };
  return { pair: { l1, l2 }, used: 2 };
}

/**
 * Unescapes `\NNN` (one byte each, as in mountinfo: `\303\251` is "é", a lone `\377` the byte
 * 0xff) and checks the path is absolute; returns it normalised (no trailing slash).
 */
function parseMountPath(raw: string): string | { error: string } {
  if (raw === '') return { error: 'missing mount path' };
  const bytes: Buffer[] = [];
  let literalStart = 0;
  for (let i = raw.indexOf('\\'); i >= 0; i = raw.indexOf('\\', literalStart)) {
    const octal = /^[0-3][0-7]{2}/.exec(raw.slice(i + 1, i + 4));
    if (!octal) return { error: `bad escape in ${JSON.stringify(raw)}: use \\NNN octal bytes (\\040 for a space)` };
    bytes.push(encodeBytes(raw.slice(literalStart, i)), Buffer.of(parseInt(octal[0], 8)));
    literalStart = i + 4;
  }
  bytes.push(encodeBytes(raw.slice(literalStart)));
  const path = decodeBytes(Buffer.concat(bytes));
  if (!path.startsWith('/')) return { error: `mount path ${JSON.stringify(path)} must be absolute` };
  const normal = posix.normalize(path);
  return normal.length > 1 && normal.endsWith('/') ? normal.slice(0, -1) : normal;
}

/** A mount path escaped so that it survives the whitespace and `;` splitting: each byte of such a character as `\NNN`. */
export function escapeMountPath(path: string): string {
  return path.replace(ESCAPED, (c) => [...encodeBytes(c)].map((byte) => `\\${byte.toString(8).padStart(3, '0')}`).join(''));
}

/** The request that recreates an entry, e.g. `/srv G T 20G 10G`. */
export function formatRequest(entry: { mount: string; generic: boolean; blocks?: LevelPair; inodes?: LevelPair }): string {
  const parts = [escapeMountPath(entry.mount)];
  if (entry.generic) parts.push('G');
  if (entry.blocks) parts.push('T', entry.blocks.l1.text, entry.blocks.l2.text);
  if (entry.inodes) parts.push('I', entry.inodes.l1.text, entry.inodes.l2.text);
  return parts.join(' ');
}

/**
 * One line of the read format, v2/v3's `<mountpath> <fstype> <devname> (<G,T> <L1> <L2>)`; L1 and L2
 * print as `0 0` when T is off (as the kernel does). With inode levels, `I` joins the types and
 * the inode L1 L2 follow.
 */
export function formatReadLine(entry: { mount: string; generic: boolean; blocks?: LevelPair; inodes?: LevelPair }, fstype: string, device: string): string {
  const types = [entry.generic && 'G', entry.blocks && 'T', entry.inodes && 'I'].filter(Boolean).join(',');
  const blocks = entry.blocks ? `${entry.blocks.l1.text} ${entry.blocks.l2.text}` : '0 0';
  const inodes = entry.inodes ? ` ${entry.inodes.l1.text} ${entry.inodes.l2.text}` : '';
  return `${escapeMountPath(entry.mount)} ${escapeMountPath(fstype)} ${escapeMountPath(device)} (${types} ${blocks}${inodes})`;
}
