/**
 * @module collector/sources/statfs/classify
 * Which class a filesystem type belongs to, and the probe settings in force for one mount:
 * class defaults, then `fsTypes[type]`, then `mounts[mountpoint]`. Pure.
 */
import type { FsClass, ProbeSettings, StatfsConfig } from './schema.ts';

/**
 * Kernel-internal and virtual filesystems: nothing to fill, and some must not be touched at all
 * (statfs on an autofs mount point can trigger the automount).
 */
const PSEUDO = new Set([
  'autofs', 'binfmt_misc', 'bpf', 'cgroup', 'cgroup2', 'configfs', 'debugfs', 'devpts', 'devtmpfs', 'efivarfs', 'fusectl',
  'hugetlbfs', 'mqueue', 'nfsd', 'nsfs', 'proc', 'pstore', 'ramfs', 'rpc_pipefs', 'securityfs', 'selinuxfs', 'sysfs', 'tracefs',
]);

/** Filesystems whose statfs is a round trip to a server that may not answer. */
const NETWORK = new Set([
  '9p', 'afs', 'beegfs', 'ceph', 'cifs', 'gfs2', 'glusterfs', 'gpfs', 'lustre', 'ncpfs', 'nfs', 'nfs4', 'ocfs2', 'orangefs', 'pvfs2', 'smb3', 'smbfs', 'virtiofs',
]);

/** The built-in class of a filesystem type (mountinfo spelling, "fuse.sshfs" for FUSE subtypes). */
export function builtinClass(fstype: string): FsClass {
  if (PSEUDO.has(fstype)) return 'pseudo';
  if (NETWORK.has(fstype)) return 'network';
  if (fstype === 'fuse' || fstype === 'fuseblk' || fstype.startsWith('fuse.') || fstype.startsWith('fuseblk.')) return 'fuse';
  return 'local';
}

/** The settings in force for a mount of `fstype` at `mountpoint`. */
export function settingsFor(config: StatfsConfig, fstype: string, mountpoint: string): ProbeSettings {
  const byType = config.fsTypes[fstype] ?? {};
  const fsClass = byType.class ?? builtinClass(fstype);
  const base = fsClass === 'pseudo' ? { ...config.local, enabled: false } : config[fsClass];
  const { class: _ignored, ...typeOverrides } = byType;
  return { ...base, ...typeOverrides, ...(config.mounts[mountpoint] ?? {}), class: fsClass };
}
