/**
 * @module collector/sources/sysfs/read
 * Reading the counters of one filesystem from sysfs, and only sysfs: these attributes are values
 * the kernel keeps in memory, so reading them cannot hang on a failing disk or server the way
 * touching the filesystem could. Reads are sequential (one libuv pool request at a time per
 * source) and sysfs caps each attribute at one page.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { btrfsCounterName } from './btrfs.ts';
import { parseCounter, parseNamedCounters, type Counters } from './counters.ts';

/** The named files of `dir`, as text; a file that cannot be read is left out. */
export async function readFiles<K extends string>(dir: string, names: readonly K[]): Promise<Partial<Record<K, string>>> {
  const texts: Partial<Record<K, string>> = {};
  for (const name of names) {
    const text = await readFile(join(dir, name), 'utf8').catch(() => undefined);
    if (text !== undefined) texts[name] = text;
  }
  return texts;
}

/** Single-value counters of `dir`; throws when none can be read (the directory is gone). */
export async function readCounters(dir: string, names: readonly string[]): Promise<Counters> {
  const counters: Counters = {};
  for (const [name, text] of Object.entries(await readFiles(dir, names))) {
    const value = parseCounter(text as string);
    if (value !== undefined) counters[name] = value;
  }
  if (Object.keys(counters).length === 0) throw new Error(`no readable counter in ${dir}`);
  return counters;
}

/** Every device's error_stats of a btrfs filesystem, flattened ("1/corruption_errs"). */
export async function readBtrfsCounters(dir: string): Promise<Counters> {
  const counters: Counters = {};
  const devids = await readdir(join(dir, 'devinfo'));
  for (const devid of devids.filter((d) => /^\d+$/.test(d))) {
    const text = await readFile(join(dir, 'devinfo', devid, 'error_stats'), 'utf8').catch(() => '');
    for (const [counter, value] of Object.entries(parseNamedCounters(text))) counters[btrfsCounterName(devid, counter)] = value;
  }
  return counters;
}

/** The /sys/fs/btrfs/<fsid> directory whose devices/ lists this block device ("loop1"). */
export async function findBtrfsDir(sys: string, deviceName: string): Promise<string | undefined> {
  const root = join(sys, 'fs/btrfs');
  for (const fsid of await readdir(root).catch((): string[] => [])) {
    const devices = await readdir(join(root, fsid, 'devices')).catch((): string[] => []);
    if (devices.includes(deviceName)) return join(root, fsid);
  }
  return undefined;
}
