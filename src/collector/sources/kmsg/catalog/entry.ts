/**
 * @module collector/sources/kmsg/catalog/entry
 * The shape of one catalog entry: a kind of kernel message, the event it yields and the fields
 * its pattern extracts. Field extraction is by the names of the pattern's groups (see
 * ../classify.ts): `device`, `disk`, `journalDevice`, `server`, `fsname`, `target` name the
 * mount; `errno`, `errnoText`, numbers and `...Hex` groups go to the event's data.
 */
import type { EventType } from '../../../events.ts';
import type { Severity } from '../../../types.ts';

/** What a line means beyond its own event, for lines whose outcome another line decides. */
export type EntryRole =
  /** A checksum failure btrfs may still repair from another copy: held until a repair line or a timeout. */
  | 'awaits-correction'
  /** A repair: turns held failures of the same filesystem into corrected ones. */
  | 'corrects'
  /** Cumulative device error counters: only an increase is news. */
  | 'device-stats';

/** One kind of kernel message. */
export interface CatalogEntry {
  /** Stable id "<family>.<kind>"; goes into the event's data.pattern. */
  id: string;
  /** Text every match starts with (checked before the pattern, so most lines cost one startsWith). */
  prefix?: string;
  /** Text every match contains, for messages whose start varies (block layer status words). */
  contains?: string;
  /** The message; its named groups are the fields it extracts. */
  pattern: RegExp;
  /** The event type it yields. */
  type: EventType;
  /** A different type for some errnos (delayed allocation failing with ENOSPC is WARN_ENOSPC). */
  typeByErrno?: Readonly<Record<number, EventType>>;
  /** Overrides the registry's default severity. */
  severity?: Severity;
  /** Only records at this syslog level or more urgent; a record whose level is unknown passes. */
  maxLevel?: number;
  /** errno for values of the `errnoText` group (kernel strings such as "IO failure"). */
  errnoByText?: Readonly<Record<string, number>>;
  /** errno guessed from the message when the line prints none (marked data.errnoInferred). */
  inferErrno?: { rules: ReadonlyArray<readonly [RegExp, number]>; otherwise: number };
  /** Constant data added to every match. */
  data?: Readonly<Record<string, unknown>>;
  /** Filesystem type the message concerns, for messages that name no block device. */
  fstype?: string;
  role?: EntryRole;
  /** One line for the README's catalog table. */
  description: string;
}

/** errno values used by the catalog (asm-generic/errno-base.h, errno.h). */
export const ERRNO = {
  EIO: 5,
  ENOMEM: 12,
  EBUSY: 16,
  ENODEV: 19,
  EINVAL: 22,
  ENOSPC: 28,
  EROFS: 30,
  EAGAIN: 11,
  EBADE: 52,
  ENODATA: 61,
  ETIME: 62,
  ENOLINK: 67,
  EBADMSG: 74, // EFSBADCRC
  EREMCHG: 78,
  EILSEQ: 84,
  EOPNOTSUPP: 95,
  ESHUTDOWN: 108,
  ETOOMANYREFS: 109,
  ETIMEDOUT: 110,
  EUCLEAN: 117, // EFSCORRUPTED
  EREMOTEIO: 121,
  EDQUOT: 122,
} as const;

/**
 * errno for each block-layer status word, as blk_status_to_errno() maps it (block/blk-core.c
 * blk_errors[]). The words are what blk_print_req_error prints before " error, dev".
 */
export const BLOCK_STATUS_ERRNO: Readonly<Record<string, number>> = {
  'I/O': ERRNO.EIO,
  'critical medium': ERRNO.ENODATA,
  'critical target': ERRNO.EREMOTEIO,
  'critical space allocation': ERRNO.ENOSPC,
  'recoverable transport': ERRNO.ENOLINK,
  timeout: ERRNO.ETIMEDOUT,
  'operation not supported': ERRNO.EOPNOTSUPP,
  'reservation conflict': ERRNO.EBADE,
  protection: ERRNO.EILSEQ,
  'kernel resource': ERRNO.ENOMEM,
  'device resource': ERRNO.EBUSY,
  'nonblocking retry': ERRNO.EAGAIN,
  'device offline': ERRNO.ENODEV,
  'dm internal retry': ERRNO.EREMCHG,
  'open zones exceeded': ERRNO.ETOOMANYREFS,
  'active zones exceeded': ERRNO.ETOOMANYREFS,
  'duration limit exceeded': ERRNO.ETIME,
  invalid: ERRNO.EINVAL,
};

/** errno for the numeric blk_status_t ext4 prints in "I/O error %d writing to inode" (blk_types.h). */
export const BLK_STATUS_CODE_ERRNO: Readonly<Record<number, number>> = {
  1: ERRNO.EOPNOTSUPP,
  2: ERRNO.ETIMEDOUT,
  3: ERRNO.ENOSPC,
  4: ERRNO.ENOLINK,
  5: ERRNO.EREMOTEIO,
  6: ERRNO.EBADE,
  7: ERRNO.ENODATA,
  8: ERRNO.EILSEQ,
  9: ERRNO.ENOMEM,
  10: ERRNO.EIO,
  11: ERRNO.EREMCHG,
  12: ERRNO.EAGAIN,
  13: ERRNO.EBUSY,
  16: ERRNO.ENODEV,
};
