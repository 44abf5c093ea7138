/**
 * @module collector/sources/sysfs/ext4
 * What ext4's /sys/fs/ext4/<dev>/ counters mean (fs/ext4/sysfs.c; shared/reference/kernel-signals.md
 * §1.6). errors_count (persistent, in the superblock) rising is an FS_ERROR, described by the
 * last_error_* files; warning_count (per mount, counts every ext4_warning even when the log line
 * was rate-limited) rising is an FS_WARNING. Pure: the caller reads the files.
 */
import type { Observation } from '../../types.ts';
import { parseCounter, type Increase } from './counters.ts';

/** The counters read on every pass. */
export const EXT4_COUNTER_FILES = ['errors_count', 'warning_count'] as const;

/** Read only when errors_count rose: they describe the most recent error. */
export const EXT4_LAST_ERROR_FILES = ['last_error_errcode', 'last_error_func', 'last_error_line', 'last_error_ino', 'last_error_block', 'last_error_time'] as const;

/** Filesystem types served by the ext4 driver (all appear under /sys/fs/ext4/). */
export const EXT4_TYPES = new Set(['ext4', 'ext3', 'ext2']);

/**
 * EXT4_ERR_* (fs/ext4/super.c ext4_errno_to_code) → errno. Not errno themselves: 4 is EFSBADCRC
 * (EBADMSG, 74) and 5 EFSCORRUPTED (EUCLEAN, 117); 1 (unknown) maps to nothing.
 */
const EXT4_ERRCODE_ERRNO: Record<number, number> = {
  2: 5, // EIO
  3: 12, // ENOMEM
  4: 74, // EFSBADCRC = EBADMSG
  5: 117, // EFSCORRUPTED = EUCLEAN
  6: 28, // ENOSPC
  7: 126, // ENOKEY
  8: 30, // EROFS
  9: 27, // EFBIG
  10: 17, // EEXIST
  11: 34, // ERANGE
  12: 75, // EOVERFLOW
  13: 16, // EBUSY
  14: 20, // ENOTDIR
  15: 39, // ENOTEMPTY
  16: 108, // ESHUTDOWN
  17: 14, // EFAULT
};

/** The observation (without mount and time) for one ext4 counter that rose. */
export function ext4Finding(increase: Increase, lastError: Partial<Record<(typeof EXT4_LAST_ERROR_FILES)[number], string>>): Pick<Observation, 'type' | 'data'> {
  if (increase.counter === 'warning_count') {
    return { type: 'FS_WARNING', data: { counter: increase.counter, delta: increase.delta, total: increase.total, warningCount: increase.delta } };
  }
  const data: Record<string, unknown> = { counter: increase.counter, delta: increase.delta, total: increase.total, errorCount: increase.delta };
  const code = numberOf(lastError.last_error_errcode);
  if (code !== undefined) {
    data.ext4ErrorCode = code;
    const errno = EXT4_ERRCODE_ERRNO[code];
    if (errno !== undefined) data.errno = errno;
  }
  const func = lastError.last_error_func?.trim();
  if (func) data.function = func;
  const line = numberOf(lastError.last_error_line);
  if (line) data.line = line;
  const inode = numberOf(lastError.last_error_ino);
  if (inode) data.inode = inode;
  const block = numberOf(lastError.last_error_block);
  if (block) data.block = block;
  const time = numberOf(lastError.last_error_time);
  if (time) data.lastErrorTime = new Date(time * 1000).toISOString();
  return { type: 'FS_ERROR', data };
}

function numberOf(text: string | undefined): number | undefined {
  return text === undefined ? undefined : parseCounter(text);
}
