/**
 * @module collector/sources/kmsg/catalog/xfs
 * XFS messages (fs/xfs/xfs_fsops.c, xfs_log.c, xfs_error.c, xfs_buf.c, xfs_health.c, xfs_aops.c;
 * shared/reference/kernel-signals.md §2). Every line starts "XFS (<s_id>): ". XFS raises no
 * FAN_FS_ERROR and no mountinfo flag on 6.x: the kernel log is its only voice
 * (observed-on-this-kernel.md §4).
 */
import { ERRNO, type CatalogEntry } from './entry.ts';

const XFS = String.raw`^XFS \((?<device>[^)\s]+)\): `;
const PREFIX = 'XFS (';

/** The XFS entries. */
export const xfsEntries: CatalogEntry[] = [
  {
    id: 'xfs.shutdown',
    prefix: PREFIX,
    // %pS may end in " [xfs]" when XFS is a module.
    pattern: new RegExp(String.raw`${XFS}(?<reason>.+?) \(0x(?<flagsHex>[0-9a-f]+)\) detected at (?<caller>.+?) \((?<file>[^:()\s]+):(?<line>\d+)\)\.\s+Shutting down filesystem`),
    type: 'FS_SHUTDOWN',
    description: 'xfs_do_force_shutdown: metadata/log I/O error, corruption, user request or device removal',
  },
  {
    id: 'xfs.shutdown-user',
    prefix: PREFIX,
    pattern: new RegExp(String.raw`${XFS}User initiated shutdown received\.`),
    type: 'FS_SHUTDOWN',
    data: { userInitiated: true },
    description: 'xfs_io shutdown / FS_IOC_GOINGDOWN, printed just before the shutdown line',
  },
  {
    id: 'xfs.shutdown-log',
    prefix: PREFIX,
    pattern: new RegExp(String.raw`${XFS}Filesystem has been shut down due to log error \(0x(?<flagsHex>[0-9a-f]+)\)\.`),
    type: 'FS_SHUTDOWN',
    description: 'xlog_force_shutdown: the log shut the filesystem down',
  },
  {
    id: 'xfs.log-io-error',
    prefix: PREFIX,
    pattern: new RegExp(String.raw`${XFS}log I/O error (?<errno>-?\d+)$`),
    type: 'IO_ERROR',
    description: 'A log write failed (a log shutdown follows)',
  },
  {
    id: 'xfs.metadata-io-error',
    prefix: PREFIX,
    pattern: new RegExp(String.raw`${XFS}metadata I/O error in "(?<caller>[^"]*)" at daddr 0x(?<daddrHex>[0-9a-f]+) len (?<length>\d+) error (?<errno>\d+)`),
    type: 'IO_ERROR',
    description: 'A metadata buffer could not be read or written (errno 74/117 when its verifier failed)',
  },
  {
    id: 'xfs.metadata-corruption',
    prefix: PREFIX,
    pattern: new RegExp(String.raw`${XFS}Metadata (?<errnoText>CRC error|corruption) detected at (?<caller>[^,]+), (?:(?<structure>\S+) block 0x(?<daddrHex>[0-9a-f]+)|inode 0x(?<inodeHex>[0-9a-f]+))`),
    type: 'ERR_CORRUPTED',
    errnoByText: { 'CRC error': ERRNO.EBADMSG, corruption: ERRNO.EUCLEAN },
    description: 'A metadata verifier failed (xfs_buf/inode_verifier_error, xfs_buf_corruption_error)',
  },
  {
    id: 'xfs.internal-error',
    prefix: PREFIX,
    pattern: new RegExp(String.raw`${XFS}Internal error (?<expression>.+) at line (?<line>\d+) of file (?<file>\S+)\.\s+Caller (?<caller>\S+)`),
    type: 'ERR_CORRUPTED',
    data: { errno: ERRNO.EUCLEAN },
    description: 'xfs_error_report / xfs_corruption_error: an in-memory or on-disk check failed',
  },
  {
    id: 'xfs.corruption-detected',
    prefix: PREFIX,
    pattern: new RegExp(String.raw`${XFS}Corruption detected\. Unmount and run xfs_repair`),
    type: 'ERR_CORRUPTED',
    data: { errno: ERRNO.EUCLEAN },
    description: 'Follows an internal error report',
  },
  {
    id: 'xfs.permanent-write-failure',
    prefix: PREFIX,
    pattern: new RegExp(String.raw`${XFS}Corruption Alert: Buffer at daddr 0x(?<daddrHex>[0-9a-f]+) had permanent write failures!`),
    type: 'IO_ERROR',
    data: { errno: ERRNO.EIO },
    description: 'Metadata that could never be written back, found at unmount',
  },
  {
    id: 'xfs.uncorrected-at-unmount',
    prefix: PREFIX,
    pattern: new RegExp(String.raw`${XFS}Uncorrected metadata errors detected; please run xfs_repair\.`),
    type: 'ERR_CORRUPTED',
    severity: 'warning',
    description: 'Unmounting with metadata marked sick',
  },
  {
    id: 'xfs.page-discard',
    prefix: PREFIX,
    pattern: new RegExp(String.raw`${XFS}page discard on page \S+, inode 0x(?<inodeHex>[0-9a-f]+), pos (?<offset>\d+)\.`),
    type: 'IO_ERROR',
    data: { dataLost: true },
    description: 'Writeback failed and dirty data was thrown away',
  },
];
