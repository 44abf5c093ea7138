/**
 * @module rules/duration
 * Durations in rule files and the rules config: a number of seconds (`30`, `0.5`) or a string
 * with a unit (`250ms`, `30s`, `5m`, `2h`). Parsed once when rules are loaded.
 */
import { Type } from '@sinclair/typebox';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
/** Pattern of a duration string (error messages recognise it). */
export const DURATION_PATTERN = '^\\d+(\\.\\d+)?(ms|s|m|h)$';

/** Schema of a duration (the caller adds the description). */
export function durationSchema(description: string, defaultValue?: string) {
  const options = { description: `${description} Seconds, or a string with a unit: 250ms, 30s, 5m, 2h.`, ...(defaultValue === undefined ? {} : { default: defaultValue }) };
  return Type.Union([Type.Number({ minimum: 0 }), Type.String({ pattern: DURATION_PATTERN })], options);
}

/** Milliseconds of a validated duration. */
export function durationMs(value: number | string): number {
  if (typeof value === 'number') return value * 1000;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value);
  if (!match) throw new RangeError(`not a duration: ${value}`);
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}
