/**
 * @module collector/sources/sysfs/counters
 * Pure handling of the counters filesystems keep in sysfs: parsing their text and finding which
 * rose between two readings. The counters only ever grow while a filesystem is mounted (ext4's
 * errors_count is reset only by e2fsck, btrfs error_stats only by `btrfs device stats -z`), so a
 * rise is news and a fall is a reset that just becomes the new baseline.
 */

/** Counter name → value. Multi-device filesystems prefix the name with the device ("1/read_errs"). */
export type Counters = Record<string, number>;

/** One counter that rose. */
export interface Increase {
  counter: string;
  delta: number;
  total: number;
}

/** The counters present in both readings that rose, in the order of `after`. */
export function increases(before: Counters, after: Counters): Increase[] {
  const found: Increase[] = [];
  for (const [counter, total] of Object.entries(after)) {
    const previous = before[counter];
    if (previous !== undefined && total > previous) found.push({ counter, delta: total - previous, total });
  }
  return found;
}

/** A sysfs attribute holding one unsigned decimal ("3\n"); undefined for anything else. */
export function parseCounter(text: string): number | undefined {
  const trimmed = text.trim();
  return /^\d{1,15}$/.test(trimmed) ? Number(trimmed) : undefined;
}

/**
 * "name value" lines (btrfs devinfo/<devid>/error_stats). Lines that are not a name and an
 * unsigned decimal are skipped, so "invalid\n" (stats not loaded yet) yields no counters.
 */
export function parseNamedCounters(text: string): Counters {
  const counters: Counters = {};
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+) (\d{1,15})$/.exec(line.trim());
    if (match) counters[match[1]!] = Number(match[2]);
  }
  return counters;
}
