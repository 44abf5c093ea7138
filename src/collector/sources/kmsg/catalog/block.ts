/**
 * @module collector/sources/kmsg/catalog/block
 * Block layer, buffer-head and local filesystems other than ext4/XFS/btrfs
 * (shared/reference/kernel-signals.md §6). Block-layer lines name the whole disk ("dev sdb") and
 * an absolute sector: the gatherer maps them to the mounts of the partition holding that sector.
 */
import { BLOCK_STATUS_ERRNO, ERRNO, type CatalogEntry } from './entry.ts';

const STATUS_WORDS = Object.keys(BLOCK_STATUS_ERRNO).map((word) => word.replace('/', '\\/')).join('|');
const FS_DEVICE = String.raw`\((?<device>[^)\s]+)\)`;

/** Block-layer and other local filesystem entries. */
export const blockEntries: CatalogEntry[] = [
  {
    id: 'block.request-error',
    contains: ' error, dev ',
    // 4.20–5.15 prefixed "blk_update_request: ", older kernels "end_request: ".
    pattern: new RegExp(String.raw`^(?:(?<caller>\w+): )?(?<errnoText>${STATUS_WORDS}) error, dev (?<disk>[^,\s]+), sector (?<sector>\d+)(?: op 0x(?<opHex>[0-9a-f]+):\((?<op>\w+)\))?`),
    type: 'IO_ERROR',
    errnoByText: BLOCK_STATUS_ERRNO,
    description: 'blk_print_req_error: a request failed on a disk (mapped to the partition holding the sector)',
  },
  {
    id: 'block.buffer-io-error',
    prefix: 'Buffer I/O error on ',
    pattern: /^Buffer I\/O error on (?:device|dev) (?<device>[^,\s]+), logical block (?<block>\d+)(?:, (?<detail>.+))?$/,
    type: 'IO_ERROR',
    data: { errno: ERRNO.EIO },
    description: 'buffer_io_error (fs/buffer.c, ext4 page-io.c): a buffer read or write-back failed',
  },
  {
    id: 'nvme.command-error',
    prefix: 'nvme',
    pattern: /^(?<disk>nvme\d+n\d+): (?<command>.+?)\(0x[0-9a-f]+\) @ LBA (?<lba>\d+), (?<blocks>\d+) blocks, (?<status>.+?) \(sct 0x(?<sctHex>[0-9a-f]+) \/ sc 0x(?<scHex>[0-9a-f]+)\)/,
    type: 'IO_ERROR',
    data: { errno: ERRNO.EIO },
    description: 'nvme_log_error: an NVMe command failed (the block-layer line usually follows)',
  },
  {
    id: 'fat.error',
    contains: 'FAT-fs (',
    pattern: new RegExp(String.raw`^(?<fs>FAT|exFAT)-fs ${FS_DEVICE}: error, (?<message>.*)$`),
    type: 'FS_ERROR',
    data: { errno: ERRNO.EUCLEAN },
    description: 'FAT/exFAT filesystem error',
  },
  {
    id: 'fat.read-only',
    contains: 'FAT-fs (',
    pattern: new RegExp(String.raw`^(?<fs>FAT|exFAT)-fs ${FS_DEVICE}: Filesystem has been set read-only`),
    type: 'ERR_REMOUNT_RO',
    description: 'FAT/exFAT made itself read-only after an error',
  },
  {
    id: 'ext2.error',
    prefix: 'EXT2-fs (',
    pattern: new RegExp(String.raw`^EXT2-fs ${FS_DEVICE}: error: (?<function>\w+): (?<message>.*)$`),
    type: 'FS_ERROR',
    data: { errno: ERRNO.EUCLEAN },
    description: 'ext2 filesystem error',
  },
  {
    id: 'f2fs.remount-ro',
    prefix: 'F2FS-fs (',
    pattern: new RegExp(String.raw`^F2FS-fs ${FS_DEVICE}: Remounting filesystem read-only`),
    type: 'ERR_REMOUNT_RO',
    description: 'f2fs went read-only after an error',
  },
  {
    id: 'f2fs.stopped',
    prefix: 'F2FS-fs (',
    pattern: new RegExp(String.raw`^F2FS-fs ${FS_DEVICE}: Stopped filesystem due to reason: (?<reason>\d+)`),
    type: 'FS_SHUTDOWN',
    description: 'f2fs stopped the filesystem (checkpoint error, shutdown)',
  },
  {
    id: 'ocfs2.error',
    prefix: 'OCFS2: ERROR (device ',
    pattern: /^OCFS2: ERROR \(device (?<device>[^)\s]+)\): (?<function>\w+): (?<message>.*)$/,
    type: 'FS_ERROR',
    data: { errno: ERRNO.EUCLEAN },
    description: 'ocfs2 filesystem error',
  },
  {
    id: 'gfs2.withdraw',
    prefix: 'gfs2: fsid=',
    pattern: /^gfs2: fsid=(?<fsname>[^:\s]+:[^.\s]+)(?:\.\d+)?: (?:about to withdraw this file system|File system withdrawn)/,
    type: 'FS_SHUTDOWN',
    fstype: 'gfs2',
    description: 'gfs2 withdrew from the cluster filesystem',
  },
  {
    id: 'squashfs.read-error',
    prefix: 'SQUASHFS error: ',
    pattern: /^SQUASHFS error: (?<message>(?:Failed to read block 0x(?<blockHex>[0-9a-f]+): (?<errno>-?\d+)|.*decompression failed.*|Unable to read .*))$/,
    type: 'IO_ERROR',
    description: 'squashfs could not read or decompress a block (names no device)',
  },
];
