/**
 * @module collector/sources/mountinfo/identity
 * Adds what mountinfo lacks to newly seen mounts: the kernel name of the block device (kernel
 * messages say "loop0", mountinfo says "/dev/loop0" or a by-uuid path), the filesystem UUID
 * where the system records it, and the block devices beneath it (lower-devices.ts). Only sysfs
 * and /dev symlinks are read, never the filesystem itself, so a hung mount cannot block this.
 */
import { readdir, readlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { LowerDevice, MountEntry, SourcePaths } from '../../types.ts';
import { lowerDevices } from './lower-devices.ts';

/** Caches sysfs answers per device number; identity does not change while a device exists. */
export class IdentityResolver {
  readonly #paths: SourcePaths;
  #kernelNames = new Map<string, string | null>();
  #lowerDevices = new Map<string, LowerDevice[]>();

  constructor(paths: SourcePaths) {
    this.#paths = paths;
  }

  /** Fills kernelName and uuid in place. */
  async enrich(entries: MountEntry[]): Promise<void> {
    const uuids = await this.#uuidsByKernelName();
    const live = new Set<string>();
    for (const entry of entries) {
      if (entry.major === 0) continue; // anonymous devices (tmpfs, proc, FUSE, NFS) have no block device
      const devno = `${entry.major}:${entry.minor}`;
      live.add(devno);
      const name = await this.#kernelName(devno);
      if (name) {
        entry.kernelName = name;
        const lower = await this.#lower(devno, name);
        if (lower.length > 0) entry.lowerDevices = lower;
        const uuid = uuids.get(name);
        if (uuid) entry.uuid = uuid;
      }
    }
    // Forget devices that went away so the cache stays bounded by the live mounts.
    for (const devno of this.#kernelNames.keys()) if (!live.has(devno)) this.#kernelNames.delete(devno);
    for (const devno of this.#lowerDevices.keys()) if (!live.has(devno)) this.#lowerDevices.delete(devno);
  }

  async #lower(devno: string, name: string): Promise<LowerDevice[]> {
    let lower = this.#lowerDevices.get(devno);
    if (!lower) {
      lower = await lowerDevices(this.#paths.sys, name);
      this.#lowerDevices.set(devno, lower);
    }
    return lower;
  }

  async #kernelName(devno: string): Promise<string | null> {
    const cached = this.#kernelNames.get(devno);
    if (cached !== undefined) return cached;
    const name = await readlink(join(this.#paths.sys, 'dev/block', devno)).then(basename, () => null);
    this.#kernelNames.set(devno, name);
    return name;
  }

  /** /dev/disk/by-uuid (udev) plus /sys/fs/btrfs/<uuid>/devices (btrfs, no udev needed). */
  async #uuidsByKernelName(): Promise<Map<string, string>> {
    const map = new Map<string, string>();
    const byUuid = join(this.#paths.dev, 'disk/by-uuid');
    for (const uuid of await readdir(byUuid).catch(() => [])) {
      const target = await readlink(join(byUuid, uuid)).catch(() => null);
      if (target) map.set(basename(target), uuid);
    }
    const btrfs = join(this.#paths.sys, 'fs/btrfs');
    for (const uuid of await readdir(btrfs).catch(() => [])) {
      for (const device of await readdir(join(btrfs, uuid, 'devices')).catch(() => [])) map.set(device, uuid);
    }
    return map;
  }
}
