/**
 * @module collector/sources/uevent/classify
 * Pure: a parsed uevent and the mount table in, an observation or a counted skip out. Only block
 * devices under a mounted filesystem matter: the filesystem's own device (MAJOR:MINOR = the
 * mount's s_dev) or a device beneath it (the disk of a partition, a dm/md member; MountEntry
 * lowerDevices). `remove` becomes DEVICE_REMOVED; a `change` carrying one of the block layer's
 * keys (block/genhd.c, block/disk-events.c: RESIZE, DISK_MEDIA_CHANGE, DISK_EJECT_REQUEST,
 * DISK_RO) becomes DEVICE_CHANGED with `data.change`. Plain `change` (blkid, partition rescans),
 * `add` (nothing is mounted on a new device) and the other actions are counted, not published.
 */
import type { MountRef, MountTableView, Observation } from '../../types.ts';
import type { Uevent } from './parse.ts';

/** An observation without its source name. */
export type UeventObservation = Omit<Observation, 'source'>;

/** Why a well-formed uevent produced nothing. */
export type UeventSkip = 'not-block' | 'not-mounted' | 'plain-change' | 'other-action';

/** The outcome for one uevent. */
export type Classified = { observation: UeventObservation } | { skipped: UeventSkip } | { dropped: 'bad-devno' };

/** What a `change` says happened to the device, by the key the kernel added. */
function changeOf(properties: Map<string, string>): string | undefined {
  if (properties.get('RESIZE') === '1') return 'resize';
  if (properties.get('DISK_MEDIA_CHANGE') === '1') return 'media';
  if (properties.get('DISK_EJECT_REQUEST') === '1') return 'eject-request';
  const ro = properties.get('DISK_RO');
  if (ro === '1') return 'read-only';
  if (ro === '0') return 'writable';
  return undefined;
}

/** Device numbers of a block uevent; null when present but not numbers. */
function devnoOf(properties: Map<string, string>): { major: number; minor: number } | undefined | null {
  const major = properties.get('MAJOR');
  const minor = properties.get('MINOR');
  if (major === undefined || minor === undefined) return undefined;
  if (!/^\d{1,10}$/.test(major) || !/^\d{1,10}$/.test(minor)) return null;
  return { major: Number(major), minor: Number(minor) };
}

/** Classifies one uevent against the current mount table. */
export function classifyUevent(event: Uevent, mounts: MountTableView, now: number): Classified {
  if (event.subsystem !== 'block') return { skipped: 'not-block' };
  let change: string | undefined;
  if (event.action === 'change') {
    change = changeOf(event.properties);
    if (!change) return { skipped: 'plain-change' };
  } else if (event.action !== 'remove') {
    return { skipped: 'other-action' };
  }
  const devno = devnoOf(event.properties);
  if (devno === null) return { dropped: 'bad-devno' };
  const devName = event.properties.get('DEVNAME');
  let mount: MountRef | undefined;
  if (devno && mounts.byDevno(devno.major, devno.minor).length > 0) mount = { devno };
  else if (devName && mounts.all().some((m) => m.lowerDevices?.some((lower) => lower.name === devName))) mount = { deviceName: devName };
  if (!mount) return { skipped: 'not-mounted' };
  const data: Record<string, unknown> = { action: event.action, devPath: event.devpath, seqnum: event.seqnum };
  if (devName) data.devName = devName;
  if (devno) Object.assign(data, devno);
  const devType = event.properties.get('DEVTYPE');
  if (devType) data.devType = devType;
  const diskseq = event.properties.get('DISKSEQ');
  if (diskseq) data.diskseq = Number(diskseq);
  if (mount.deviceName) data.lowerDevice = true;
  if (change) data.change = change;
  return { observation: { type: change ? 'DEVICE_CHANGED' : 'DEVICE_REMOVED', time: now, mount, data } };
}
