/**
 * @module collector/thresholds/levels
 * Pure parsing, printing and resolution of one threshold level. The proposal's levels are plain
 * decimal counts of *available blocks* (fs-event-protocol.md §4: kstrtoull base 10); fsevd also
 * takes a percentage of the filesystem's size (`15%`) and, for block levels, a byte size with a
 * binary unit (`20G` = 20 GiB). Inode levels (the `I` extension) are counts or percentages.
 */

/** What a level is about: available blocks (`T`) or available inodes (`I`). */
export type Resource = 'blocks' | 'inodes';

/** One level as written; `text` is printed back unchanged. */
export type Level =
  | { unit: 'count'; value: number; text: string }
  | { unit: 'percent'; value: number; text: string }
  | { unit: 'bytes'; value: number; text: string };

/** L1 (lower range, reached first while filling) and L2 (upper range); L1 ≥ L2. */
export interface LevelPair {
  l1: Level;
  l2: Level;
}

/** The level used when L2 is omitted: the proposal makes it 0 (URBELOW fires at avail 0). */
export const ZERO_LEVEL: Level = { unit: 'count', value: 0, text: '0' };

/** What a level is relative to, from the latest statfs of the filesystem. */
export interface LevelBasis {
  /** Bytes per counted unit: f_frsize for blocks, 1 for inodes. */
  unitBytes: number;
  /** Total in the comparison unit: size in bytes for blocks, f_files for inodes. */
  total: number;
}

const BINARY_UNITS: Record<string, number> = { K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40, P: 2 ** 50 };
const COUNT = /^\d+$/;
const PERCENT = /^(\d+(?:\.\d+)?)%$/;
const BYTES = /^(\d+(?:\.\d+)?)([KMGTP])(?:iB)?$/;

/** True when a token looks like a level (starts with a digit), as opposed to a type keyword. */
export function looksLikeLevel(token: string): boolean {
  return /^\d/.test(token);
}

/** Parses a level token; returns the reason when it is not one. */
export function parseLevel(token: string, resource: Resource): Level | { error: string } {
  if (COUNT.test(token)) {
    const value = Number(token);
    if (!Number.isSafeInteger(value)) return { error: `${token} is too large (at most ${Number.MAX_SAFE_INTEGER})` };
    return { unit: 'count', value, text: token };
  }
  const percent = PERCENT.exec(token);
  if (percent) {
    const value = Number(percent[1]);
    if (value > 100) return { error: `${token} is more than 100%` };
    return { unit: 'percent', value, text: token };
  }
  const bytes = BYTES.exec(token);
  if (bytes) {
    if (resource === 'inodes') return { error: `${token}: inode levels are counts or percentages, not sizes` };
    const value = Math.floor(Number(bytes[1]) * BINARY_UNITS[bytes[2]!]!);
    if (!Number.isSafeInteger(value)) return { error: `${token} is too large` };
    return { unit: 'bytes', value, text: token };
  }
  const hint = resource === 'blocks' ? 'available blocks (710000), a percentage (15%) or a size (20G)' : 'available inodes (50000) or a percentage (5%)';
  return { error: `${JSON.stringify(token)} is not a level: expected ${hint}` };
}

/** Why L1 and L2 cannot go together (mixed units cannot be compared without a filesystem, L1 < L2); undefined when fine. */
export function pairProblem(pair: LevelPair): string | undefined {
  const { l1, l2 } = pair;
  if (l2.value === 0) return undefined;
  if (l1.unit !== l2.unit) return `L1 ${l1.text} and L2 ${l2.text} must use the same unit`;
  if (l1.value < l2.value) return `L1 ${l1.text} is less than L2 ${l2.text} (levels count available space, so L1 ≥ L2)`;
  return undefined;
}

/** The level in the comparison unit (bytes for blocks, inodes for inodes). */
export function resolveLevel(level: Level, basis: LevelBasis): number {
  switch (level.unit) {
    case 'count':
      return level.value * basis.unitBytes;
    case 'percent':
      return Math.floor((basis.total * level.value) / 100);
    case 'bytes':
      return level.value;
  }
}

/** The level as a count of units (available blocks for the proposal's kernel interface). */
export function levelInUnits(level: Level, basis: LevelBasis): number {
  return level.unit === 'count' ? level.value : Math.floor(resolveLevel(level, basis) / basis.unitBytes);
}
