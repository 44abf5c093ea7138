/**
 * @module api/metrics/exposition
 * Pure helpers for the Prometheus text exposition format (version 0.0.4): label values escaped so
 * that any mount path survives, numbers written the way Prometheus parses them, family headers.
 * Used by the cached per-mount text; prom-client writes everything else.
 */

/** A metric family's type as the `# TYPE` line names it. */
export type FamilyType = 'gauge' | 'counter';

/** Characters that need work in a label value: \ " newline, and any UTF-16 surrogate. */
const NEEDS_ESCAPE = /[\\"\n\ud800-\udfff]/;

/** One character (or surrogate pair) at a time, for the slow path. */
const ESCAPABLE = /[\\"\n]|[\ud800-\udbff][\udc00-\udfff]|[\ud800-\udfff]/g;

/** Lone surrogates U+DC80..U+DCFF stand for one raw byte each (util/bytes.ts "surrogateescape"). */
const RAW_BYTE_SURROGATES = { first: 0xdc80, last: 0xdcff, base: 0xdc00 } as const;

/**
 * A label value as it goes between the quotes: `\` `"` and newline escaped as the format requires.
 * The format must be UTF-8, and a path that is not UTF-8 reaches us with each bad byte as a lone
 * surrogate. Written as-is, Node would turn every such byte into U+FFFD, so two distinct paths
 * could collapse into one series; instead each byte becomes the text `\xNN` (Python's
 * "backslashreplace"), readable and distinct. Any other lone surrogate becomes U+FFFD explicitly.
 */
export function escapeLabelValue(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(ESCAPABLE, (char) => {
    if (char === '\\') return '\\\\';
    if (char === '"') return '\\"';
    if (char === '\n') return '\\n';
    if (char.length === 2) return char;
    const unit = char.charCodeAt(0);
    if (unit >= RAW_BYTE_SURROGATES.first && unit <= RAW_BYTE_SURROGATES.last) {
      return `\\\\x${(unit - RAW_BYTE_SURROGATES.base).toString(16).padStart(2, '0')}`;
    }
    return '\ufffd';
  });
}

/** `{a="x",b="y"}` from name/value pairs (names are ours and need no escaping); '' when empty. */
export function labelSet(pairs: ReadonlyArray<readonly [string, string]>): string {
  if (pairs.length === 0) return '';
  return `{${pairs.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')}}`;
}

/** Adds more labels to a label set made by labelSet (`{a="x"}` + `b="y"` → `{a="x",b="y"}`). */
export function extendLabelSet(base: string, extra: string): string {
  if (!extra) return base;
  return base ? `${base.slice(0, -1)},${extra}}` : `{${extra}}`;
}

/** A sample value as Prometheus parses it (Go's ParseFloat: NaN, +Inf, -Inf, decimal or e-notation). */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** The `# HELP` and `# TYPE` lines of a family, each ending in a newline. */
export function familyHeader(name: string, help: string, type: FamilyType): string {
  // In HELP text only \ and newline are escaped (quotes are not).
  const escapedHelp = help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
  return `# HELP ${name} ${escapedHelp}\n# TYPE ${name} ${type}\n`;
}
