/**
 * @module collector/sources/uevent/devices
 * What the uevent source checks on the system (procfs and sysfs reads, which answer from memory and
 * cannot hang). A uevent and the mount table race: unmounting a `mount -o loop` filesystem
 * detaches the loop device (autoclear) and the kernel sends its `change DISK_MEDIA_CHANGE=1` in the
 * same millisecond, before the mountinfo source has seen the unmount. So a device event is
 * confirmed against a fresh /proc/self/mountinfo first, and a media change that leaves the
 * device empty (size 0) is a removal. After a loss, the devices of every mounted filesystem are
 * looked up in /sys/dev/block: one that is gone is reported removed (`data.resync`).
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseMountinfo } from '../../mounts/parse.ts';
import type { MountTableView } from '../../types.ts';
import type { UeventObservation } from './classify.ts';

/** Size of a block device in bytes from sysfs, or undefined when it is gone. */
async function sizeBytes(sys: string, major: number, minor: number): Promise<number | undefined> {
  try {
    const sectors = Number((await readFile(join(sys, 'dev/block', `${major}:${minor}`, 'size'), 'latin1')).trim());
    return Number.isFinite(sectors) ? sectors * 512 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The observation to publish for a classified device event, or undefined when the filesystem on
 * the device was unmounted meanwhile. Adds the device's size after a change.
 */
export async function confirmDeviceEvent(obs: UeventObservation, paths: { proc: string; sys: string }): Promise<UeventObservation | undefined> {
  const devno = obs.mount?.devno;
  if (!devno) return obs; // a lower device: the mount sits on another device, still listed
  const { entries } = parseMountinfo(await readFile(join(paths.proc, 'self/mountinfo')));
  if (!entries.some((e) => e.major === devno.major && e.minor === devno.minor)) return undefined;
  if (obs.type !== 'DEVICE_CHANGED') return obs;
  const size = await sizeBytes(paths.sys, devno.major, devno.minor);
  const data: Record<string, unknown> = { ...obs.data };
  if (size !== undefined) data.sizeBytes = size;
  // A medium change that leaves nothing (an emptied drive, a loop device cleared under a mount).
  if (data.change === 'media' && size === 0) return { ...obs, type: 'DEVICE_REMOVED', data };
  return { ...obs, data };
}

/** DEVICE_REMOVED for each mounted filesystem whose block device no longer exists. */
export async function missingDevices(mounts: MountTableView, sys: string, now: number): Promise<UeventObservation[]> {
  const seen = new Set<string>();
  const missing: UeventObservation[] = [];
  for (const entry of mounts.all()) {
    const key = `${entry.major}:${entry.minor}`;
    // Only block-backed filesystems have a kernel device name; anonymous devices have no node.
    if (!entry.kernelName || seen.has(key)) continue;
    seen.add(key);
    const present = await stat(join(sys, 'dev/block', key)).then(
      () => true,
      () => false,
    );
    if (!present) missing.push({ type: 'DEVICE_REMOVED', time: now, mount: { devno: { major: entry.major, minor: entry.minor } }, data: { devName: entry.kernelName, major: entry.major, minor: entry.minor, resync: true } });
  }
  return missing;
}
