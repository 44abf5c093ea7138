/**
 * @module collector/sources/mountinfo/lower-devices
 * The block devices beneath a mounted one, from sysfs only (never the filesystem): a partition's
 * whole disk with the partition's start and size on it (/sys/class/block/<part>/{partition,start,
 * size}, the disk being the parent directory), and the members of a dm/md device (slaves/),
 * recursively. Block-layer errors name the whole disk ("I/O error, dev sda, sector N"); this is
 * what lets the gatherer find the mounts of the partition that holds the sector.
 */
import { readFile, readdir, realpath } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { LowerDevice } from '../../types.ts';

/** dm over md over partitions is 3 levels; anything deeper is a loop in what sysfs told us. */
const MAX_DEPTH = 6;

/** The devices under `name` ("sda1", "dm-0"); empty for a plain disk or a loop device. */
export async function lowerDevices(sys: string, name: string): Promise<LowerDevice[]> {
  const out: LowerDevice[] = [];
  await walk(join(sys, 'class/block'), name, out, 0);
  return out;
}

async function walk(classBlock: string, name: string, out: LowerDevice[], depth: number): Promise<void> {
  if (depth >= MAX_DEPTH) return;
  const dir = join(classBlock, name);
  if (await exists(join(dir, 'partition'))) {
    const [disk, start, size] = await Promise.all([realpath(dir).then((real) => basename(dirname(real)), () => ''), readNumber(join(dir, 'start')), readNumber(join(dir, 'size'))]);
    if (disk && !out.some((d) => d.name === disk)) out.push({ name: disk, ...(start !== undefined && size !== undefined ? { startSector: start, sectors: size } : {}) });
  }
  for (const member of await readdir(join(dir, 'slaves')).catch(() => [] as string[])) {
    if (out.some((d) => d.name === member)) continue;
    out.push({ name: member });
    await walk(classBlock, member, out, depth + 1);
  }
}

async function exists(path: string): Promise<boolean> {
  return readFile(path).then(() => true, () => false);
}

async function readNumber(path: string): Promise<number | undefined> {
  const value = Number((await readFile(path, 'utf8').catch(() => '')).trim());
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}
