/**
 * @module collector/sources/kmsg/catalog/ext4
 * ext4 and jbd2 messages (fs/ext4/super.c, page-io.c, inode.c; fs/jbd2/journal.c; formats in
 * shared/reference/kernel-signals.md §1). The device is sb->s_id ("loop0", "sda1", "dm-3").
 */
import { ERRNO, type CatalogEntry } from './entry.ts';

const DEVICE = String.raw`\(device (?<device>[^)\s]+)\)`;
const MSG_DEVICE = String.raw`\((?<device>[^)\s]+)\)`;

/**
 * ext4_error() prints no errno; the kernel reports EFSCORRUPTED unless the caller passed one
 * (ext4_error_err). The message usually says which: checksum failures are EFSBADCRC (the
 * FAN_FS_ERROR of the same fault carries 74, observed-on-this-kernel.md §1).
 */
const EXT4_ERROR_ERRNO = {
  rules: [
    [/checksum|crc/i, ERRNO.EBADMSG],
    [/I\/O error|IO failure|error reading|read error|unable to read/i, ERRNO.EIO],
    [/aborted journal/i, ERRNO.EROFS],
    [/Abort forced by user/i, ERRNO.ESHUTDOWN],
  ],
  otherwise: ERRNO.EUCLEAN,
} as const;

/** ext4_decode_error() strings of "EXT4-fs error (device %s) in %s:%d: %s". */
const EXT4_DECODED_ERRNO = {
  'Corrupt filesystem': ERRNO.EUCLEAN,
  'Filesystem failed CRC': ERRNO.EBADMSG,
  'IO failure': ERRNO.EIO,
  'Out of memory': ERRNO.ENOMEM,
  'Journal has aborted': ERRNO.EROFS,
  'Readonly filesystem': ERRNO.EROFS,
};

/** The ext4 and jbd2 entries, most specific first. */
export const ext4Entries: CatalogEntry[] = [
  {
    id: 'ext4.error',
    prefix: 'EXT4-fs error (device ',
    pattern: new RegExp(String.raw`^EXT4-fs error ${DEVICE}: (?<function>\w+):(?<line>\d+): (?:group (?<group>\d+), )?(?:inode #?(?<inode>\d+): )?(?:block (?<block>\d+): ?)?(?:comm (?<comm>.*?): )?(?:path (?<path>.*?): )?(?<message>.*)$`),
    type: 'FS_ERROR',
    inferErrno: EXT4_ERROR_ERRNO,
    description: 'ext4_error and friends: corruption, checksum failures, aborted journal (errno inferred from the message)',
  },
  {
    id: 'ext4.error-std',
    prefix: 'EXT4-fs error (device ',
    pattern: new RegExp(String.raw`^EXT4-fs error ${DEVICE} in (?<function>\w+):(?<line>\d+): (?<errnoText>.*)$`),
    type: 'FS_ERROR',
    errnoByText: EXT4_DECODED_ERRNO,
    description: 'ext4_std_error: an errno decoded to text ("IO failure", "error 28")',
  },
  {
    id: 'ext4.write-io-error',
    prefix: 'EXT4-fs warning (device ',
    pattern: new RegExp(String.raw`^EXT4-fs warning ${DEVICE}: (?<function>\w+):(?<line>\d+): I/O error (?<blkStatus>\d+) writing to inode (?<inode>\d+) starting block (?<block>\d+)`),
    type: 'IO_ERROR',
    description: 'Write error at bio completion (the number is a blk_status_t, mapped to its errno)',
  },
  {
    id: 'ext4.warning',
    prefix: 'EXT4-fs warning (device ',
    pattern: new RegExp(String.raw`^EXT4-fs warning ${DEVICE}: (?<function>\w+):(?<line>\d+): (?:inode #(?<inode>\d+): )?(?:comm (?<comm>.*?): )?(?<message>.*)$`),
    type: 'FS_WARNING',
    description: 'ext4_warning: trouble ext4 worked around (counted in warning_count)',
  },
  {
    id: 'ext4.remount-ro',
    prefix: 'EXT4-fs (',
    pattern: new RegExp(String.raw`^EXT4-fs ${MSG_DEVICE}: Remounting filesystem read-only`),
    type: 'ERR_REMOUNT_RO',
    description: 'errors=remount-ro took effect (since 6.12 only emergency_ro shows in mountinfo)',
  },
  {
    id: 'ext4.shutdown',
    prefix: 'EXT4-fs (',
    pattern: new RegExp(String.raw`^EXT4-fs ${MSG_DEVICE}: shut down requested \((?<flags>\d+)\)`),
    type: 'FS_SHUTDOWN',
    description: 'FS_IOC_SHUTDOWN: the filesystem refuses all further I/O',
  },
  {
    id: 'ext4.mounted-with-errors',
    prefix: 'EXT4-fs (',
    pattern: new RegExp(String.raw`^EXT4-fs ${MSG_DEVICE}: warning: mounting fs with errors, running e2fsck is recommended`),
    type: 'FS_WARNING',
    data: { recordedErrors: true },
    description: 'Mounted with errors recorded in the superblock (fsck not run)',
  },
  {
    id: 'ext4.delalloc-failed',
    prefix: 'EXT4-fs (',
    pattern: new RegExp(String.raw`^EXT4-fs ${MSG_DEVICE}: Delayed block allocation failed for inode (?<inode>\d+) at logical offset (?<logical>\d+) with max blocks (?<blocks>\d+) with error (?<errno>-?\d+)`),
    type: 'FS_ERROR',
    typeByErrno: { [ERRNO.ENOSPC]: 'WARN_ENOSPC', [ERRNO.EDQUOT]: 'WARN_ENOSPC' },
    severity: 'error',
    data: { dataLost: true },
    description: 'Writeback could not allocate blocks: dirty data is lost (ENOSPC/EDQUOT → WARN_ENOSPC)',
  },
  {
    id: 'ext4.unwritten-conversion',
    prefix: 'EXT4-fs (',
    pattern: new RegExp(String.raw`^EXT4-fs ${MSG_DEVICE}: failed to convert unwritten extents to written extents -- potential data loss!\s+\(inode (?<inode>\d+), error (?<errno>-?\d+)\)`),
    type: 'FS_ERROR',
    severity: 'critical',
    data: { dataLost: true },
    description: 'Unwritten extents could not be converted after a write: potential data loss',
  },
  {
    id: 'ext4.superblock-write-error',
    prefix: 'EXT4-fs (',
    pattern: new RegExp(String.raw`^EXT4-fs ${MSG_DEVICE}: I/O error while writing superblock`),
    type: 'IO_ERROR',
    data: { errno: ERRNO.EIO },
    description: 'The superblock could not be written (observed when the disk fails under a mounted ext4)',
  },
  {
    id: 'jbd2.abort',
    prefix: 'Aborting journal on device ',
    pattern: /^Aborting journal on device (?<journalDevice>\S+)\.$/,
    type: 'FS_ERROR',
    data: { journalAborted: true },
    description: 'jbd2 aborted the journal: the filesystem stops writing',
  },
  {
    id: 'jbd2.superblock-io',
    prefix: 'JBD2: ',
    pattern: /^JBD2: (?:previous )?I\/O error (?:when updating|detected for) journal superblock (?:update )?for (?<journalDevice>\S+)\.$/,
    type: 'IO_ERROR',
    data: { errno: ERRNO.EIO },
    description: 'The journal superblock could not be written',
  },
  {
    id: 'jbd2.corrupt-transaction',
    prefix: 'JBD2: ',
    pattern: /^JBD2: journal transaction (?<transaction>\d+) on (?<journalDevice>\S+) is corrupt\.$/,
    type: 'ERR_CORRUPTED',
    data: { errno: ERRNO.EUCLEAN },
    description: 'Journal replay found a corrupt transaction',
  },
];
