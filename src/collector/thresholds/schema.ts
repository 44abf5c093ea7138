/**
 * @module collector/thresholds/schema
 * The `thresholds` section of the configuration: levels for every mount without an entry, and
 * entries in the proposal's own request syntax. The lines are the baseline; changes made through
 * the API or `fsevd config` are kept in the state dir and survive restarts until these lines change.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ConfigError } from '../../errors.ts';
import { parseDefaults, parseRequests } from './syntax.ts';
import type { ThresholdRequest } from './syntax.ts';
import type { LevelPair } from './levels.ts';

/** The `thresholds` configuration section. */
export const thresholdsConfigSchema = Type.Object(
  {
    defaults: Type.String({
      default: 'T 10% 5%',
      description: 'Levels for every sampled, writable mount that has no entry, as a request without its mount path ("T 10% 5%", add "I 5% 1%" for inodes); "" for none.',
    }),
    lines: Type.Array(Type.String(), {
      default: [],
      description: 'Requests in the syntax of /sys/fs/events/config, applied in order at start: "MOUNT [G] [T L1 [L2]] [I L1 [L2]]", "!MOUNT [TYPE]"; levels are available blocks, N% of the size or sizes (20G).',
    }),
  },
  { additionalProperties: false, default: {} },
);

/** A validated `thresholds` section. */
export type ThresholdsConfig = Static<typeof thresholdsConfigSchema>;

/** The section, parsed: throws ConfigError naming every bad line (pure; the daemon checks it before a reload applies anything). */
export function parseThresholdsSection(section: ThresholdsConfig): { defaults: { blocks?: LevelPair; inodes?: LevelPair }; requests: ThresholdRequest[] } {
  const defaults = parseDefaults(section.defaults);
  try {
    return { defaults, requests: section.lines.length === 0 ? [] : parseRequests(section.lines.join(';')) };
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(err.problems.map((problem) => `thresholds.lines: ${problem}`));
    throw err;
  }
}
