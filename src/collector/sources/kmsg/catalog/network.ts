/**
 * @module collector/sources/kmsg/catalog/network
 * Network filesystem clients (shared/reference/kernel-signals.md §4–5): NFS/SUNRPC, CIFS/SMB,
 * CephFS/libceph and Lustre. They name a server or a filesystem, never a block device; the
 * gatherer maps `server` / `fsname` to the mounts whose source names them.
 */
import type { CatalogEntry } from './entry.ts';

const RPC_PROGRAMS = 'nfs|nfsacl|lockd|statd|mount|rpcbind|nfslocalio';
const CEPH = String.raw`^ceph: (?:\[(?<fsname>[0-9a-f-]{36}) (?<client>\d+)\]: )?`;
const LUSTRE = String.raw`^(?:Lustre|LustreError): (?:[0-9a-f]+-[0-9a-f]: )?(?<import>\S+): `;

/** Network filesystem entries. */
export const networkEntries: CatalogEntry[] = [
  {
    id: 'nfs.not-responding',
    contains: ': server ',
    // Printed per RPC task (rpc_check_timeout), so a hung server yields many: the pipeline folds them.
    pattern: new RegExp(String.raw`^(?<program>${RPC_PROGRAMS}): server (?<server>.+) not responding, (?<mode>still trying|timed out)$`),
    type: 'FS_UNAVAILABLE',
    fstype: 'nfs',
    description: 'SUNRPC major timeout: "still trying" (hard mount) or "timed out" (soft mount, the call fails)',
  },
  {
    id: 'nfs.ok',
    contains: ': server ',
    pattern: new RegExp(String.raw`^(?<program>${RPC_PROGRAMS}): server (?<server>.+) OK$`),
    type: 'FS_AVAILABLE',
    fstype: 'nfs',
    description: 'The server answered a task that had said "still trying"',
  },
  {
    id: 'nfs.state-manager-failed',
    prefix: 'NFS: state manager',
    pattern: /^NFS: state manager(?<detail>.*?) failed on NFSv4 server (?<server>\S+) with error (?<errno>-?\d+)/,
    type: 'FS_ERROR',
    fstype: 'nfs',
    description: 'NFSv4 state recovery failed (locks and opens may be lost)',
  },
  {
    id: 'cifs.not-responding',
    prefix: 'CIFS',
    // The server arrives escaped ("\x5c\x5cfs01"), decoded before matching; before 5.8 "CIFS VFS: ".
    pattern: /^CIFS(?:: VFS| VFS)?: \\\\(?<server>\S+) has not responded in (?<seconds>\d+) seconds\. Reconnecting\.\.\./,
    type: 'FS_UNAVAILABLE',
    fstype: 'cifs',
    description: 'SMB server silent for 3 echo intervals: reconnecting (no kmsg line says when it is back)',
  },
  {
    id: 'cifs.reconnect-failed',
    prefix: 'CIFS',
    pattern: /^CIFS(?:: VFS| VFS)?: (?:\\\\(?<server>\S+) )?reconnect tcon failed rc = (?<errno>-?\d+)/,
    type: 'FS_UNAVAILABLE',
    fstype: 'cifs',
    description: 'A share could not be reconnected',
  },
  {
    id: 'ceph.mds-hung',
    prefix: 'ceph: ',
    pattern: new RegExp(String.raw`${CEPH}mds(?<mds>\d+) hung`),
    type: 'FS_UNAVAILABLE',
    fstype: 'ceph',
    description: 'A metadata server stopped answering',
  },
  {
    id: 'ceph.session-lost',
    prefix: 'ceph: ',
    pattern: new RegExp(String.raw`${CEPH}mds(?<mds>\d+) (?<reason>session blocklisted|reconnect denied|reconnect rejected|closed our session|rejected session)`),
    type: 'FS_UNAVAILABLE',
    fstype: 'ceph',
    data: { evicted: true },
    description: 'The client was evicted or lost its MDS session',
  },
  {
    id: 'ceph.mds-back',
    prefix: 'ceph: ',
    pattern: new RegExp(String.raw`${CEPH}mds(?<mds>\d+) (?<reason>came back|reconnect success|recovery completed)`),
    type: 'FS_AVAILABLE',
    fstype: 'ceph',
    description: 'A metadata server answers again',
  },
  {
    id: 'libceph.mon-lost',
    prefix: 'libceph: mon',
    pattern: /^libceph: mon(?<mon>\d+) (?<address>\S+) session lost, hunting for new mon/,
    type: 'FS_UNAVAILABLE',
    fstype: 'ceph',
    severity: 'warning',
    description: 'The monitor session dropped; the client is looking for another monitor',
  },
  {
    id: 'libceph.mon-established',
    prefix: 'libceph: mon',
    pattern: /^libceph: mon(?<mon>\d+) (?<address>\S+) session established/,
    type: 'FS_AVAILABLE',
    fstype: 'ceph',
    description: 'A monitor session is up',
  },
  {
    id: 'lustre.connection-lost',
    prefix: 'Lustre',
    pattern: new RegExp(String.raw`${LUSTRE}Connection to (?<target>\S+) \(at (?<nid>[^)\s]+)\) was lost; in progress operations using this service will (?<mode>wait for recovery to complete|fail)`),
    type: 'FS_UNAVAILABLE',
    fstype: 'lustre',
    description: 'A Lustre target connection was lost',
  },
  {
    id: 'lustre.evicted',
    prefix: 'Lustre',
    pattern: new RegExp(String.raw`${LUSTRE}This client was evicted by (?<target>[^;\s]+);`),
    type: 'FS_UNAVAILABLE',
    fstype: 'lustre',
    severity: 'critical',
    data: { evicted: true },
    description: 'A Lustre server evicted this client: in-flight operations fail',
  },
  {
    id: 'lustre.connection-restored',
    prefix: 'Lustre',
    pattern: new RegExp(String.raw`${LUSTRE}Connection restored to (?:service )?(?<target>[^\s(]+)(?: \(at | using nid )(?<nid>[^)\s]+?)\)?\.?$`),
    type: 'FS_AVAILABLE',
    fstype: 'lustre',
    description: 'A Lustre target connection is back',
  },
];
