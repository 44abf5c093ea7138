/**
 * @module collector/mounts/match
 * Pure lookups for references that name no mount directly: a disk under a partition or a
 * dm/md device ("I/O error, dev sda, sector N"), and a network filesystem's server or name
 * ("nfs: server filer01 not responding", Lustre "scratch-MDT0000"). The gatherer tries these
 * after the direct lookups of the mount table.
 */
import type { MountEntry, MountRef } from '../types.ts';

/**
 * Mounts whose device sits on `name` (MountEntry.lowerDevices). With a sector, only those whose
 * partition holds it; when no partition does (a flush at sector 0, the partition table), all of
 * them: the disk itself is failing.
 */
export function mountsOnLowerDevice(all: readonly MountEntry[], name: string, sector?: number): MountEntry[] {
  const above = all.filter((entry) => entry.lowerDevices?.some((lower) => lower.name === name));
  if (sector === undefined) return above;
  const holding = above.filter((entry) =>
    entry.lowerDevices!.some((lower) => lower.name === name && lower.startSector !== undefined && lower.sectors !== undefined && sector >= lower.startSector && sector < lower.startSector + lower.sectors),
  );
  return holding.length > 0 ? holding : above;
}

/** Filesystem types a reference's fstype covers. */
const FAMILIES: Readonly<Record<string, RegExp>> = {
  nfs: /^nfs4?$/,
  cifs: /^(?:cifs|smb3)$/,
  ceph: /^ceph$/,
  lustre: /^lustre$/,
};

/**
 * Mounts a network reference concerns. `server` must appear as a host in the mount source
 * ("filer01:/export", "[fd00::5]:/x", "//fs01.corp/share", "mon1,mon2:6789:/"); `fsname` must
 * appear in it (Lustre ":/scratch", a Ceph fsid) or, when no mount names it, every mount of the
 * type is concerned (old-style Ceph sources carry no fsid, gfs2 lock tables are not in mountinfo).
 */
export function mountsOfNetworkRef(all: readonly MountEntry[], ref: MountRef): MountEntry[] {
  if (!ref.fstype) return [];
  const family = FAMILIES[ref.fstype] ?? new RegExp(`^${ref.fstype.replace(/[^\w]/g, '')}$`);
  const ofType = all.filter((entry) => family.test(entry.fstype));
  if (ref.server !== undefined) {
    const server = ref.server.toLowerCase();
    return ofType.filter((entry) => hostsOf(entry.device).includes(server));
  }
  if (ref.fsname === undefined) return [];
  const token = new RegExp(`(?:^|[^\\w-])${ref.fsname.replace(/[^\w-]/g, '\\$&')}(?:$|[^\\w-])`);
  const named = ofType.filter((entry) => token.test(entry.device));
  return named.length > 0 ? named : ofType;
}

/** Server host names in a mount source, lower-cased. */
function hostsOf(device: string): string[] {
  if (device.startsWith('//')) return [device.slice(2).split('/')[0]!.toLowerCase()];
  const colon = device.lastIndexOf(':/');
  const servers = colon >= 0 ? device.slice(0, colon) : device;
  return servers.split(',').map((server) => {
    const host = server.startsWith('[') ? server.slice(1, server.indexOf(']')) : server.replace(/:\d+$/, '');
    return host.toLowerCase();
  });
}
