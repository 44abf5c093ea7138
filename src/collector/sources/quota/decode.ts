/**
 * @module collector/sources/quota/decode
 * Pure: one VFS_DQUOT message (include/uapi/linux/quota.h, fs/quota/netlink.c; kernel-signals.md
 * §7) in, a QUOTA_* observation or a counted reason out. Command QUOTA_NL_C_WARNING; attributes
 * QTYPE u32, EXCESS_ID u64 (the user, group or project over its limit), WARNING u32, DEV_MAJOR /
 * DEV_MINOR u32 (the filesystem's s_dev), CAUSED_ID u64 (uid of the writer), PAD ignored like any
 * unknown attribute. Every warning type maps to one registry type; the "below" ones say which limit.
 */
import type { EventType } from '../../events.ts';
import type { Observation } from '../../types.ts';
import { attrU32, attrU64, genlPayload, parseAttributes, type NetlinkMessage, type WireProblem } from '../../../util/netlink/wire.ts';

/** An observation without its source name. */
export type QuotaObservation = Omit<Observation, 'source'>;

/** Why a message was dropped (a closed set for metric labels). */
export type QuotaDropReason = WireProblem | 'no-genl-header' | 'wrong-command' | 'missing-attribute' | 'bad-attribute' | 'unknown-quota-type';

/** The outcome of decoding one message. */
export type QuotaDecoded = { observation: QuotaObservation } | { dropped: QuotaDropReason } | { skipped: 'no-warning' | 'unknown-warning' };

/** QUOTA_NL_C_WARNING. */
const QUOTA_NL_C_WARNING = 1;

/** QUOTA_NL_A_* attribute numbers. */
const QUOTA_NL_A = { QTYPE: 1, EXCESS_ID: 2, WARNING: 3, DEV_MAJOR: 4, DEV_MINOR: 5, CAUSED_ID: 6 } as const;

/** USRQUOTA 0, GRPQUOTA 1, PRJQUOTA 2, and the data field naming the id of each. */
const QUOTA_TYPES = [
  { name: 'user', idField: 'uid' },
  { name: 'group', idField: 'gid' },
  { name: 'project', idField: 'projectId' },
] as const;

/** QUOTA_NL_* warning codes (1–10; 0 is NOWARN) and what each becomes. */
const WARNINGS: ReadonlyArray<{ name: string; type: EventType; limit?: 'soft' | 'hard' } | undefined> = [
  undefined, // QUOTA_NL_NOWARN
  { name: 'IHARDWARN', type: 'QUOTA_INODES_HARD' },
  { name: 'ISOFTLONGWARN', type: 'QUOTA_INODES_GRACE_EXPIRED' },
  { name: 'ISOFTWARN', type: 'QUOTA_INODES_SOFT' },
  { name: 'BHARDWARN', type: 'QUOTA_BLOCKS_HARD' },
  { name: 'BSOFTLONGWARN', type: 'QUOTA_BLOCKS_GRACE_EXPIRED' },
  { name: 'BSOFTWARN', type: 'QUOTA_BLOCKS_SOFT' },
  { name: 'IHARDBELOW', type: 'QUOTA_INODES_BELOW', limit: 'hard' },
  { name: 'ISOFTBELOW', type: 'QUOTA_INODES_BELOW', limit: 'soft' },
  { name: 'BHARDBELOW', type: 'QUOTA_BLOCKS_BELOW', limit: 'hard' },
  { name: 'BSOFTBELOW', type: 'QUOTA_BLOCKS_BELOW', limit: 'soft' },
];

/** Decodes one message (nlmsg_type already checked to be VFS_DQUOT's id). */
export function decodeQuota(message: NetlinkMessage, now: number): QuotaDecoded {
  const genl = genlPayload(message.payload);
  if (!genl) return { dropped: 'no-genl-header' };
  if (genl.cmd !== QUOTA_NL_C_WARNING) return { dropped: 'wrong-command' };
  const attributes = parseAttributes(genl.attributes);
  if (typeof attributes === 'string') return { dropped: attributes };
  const raw = [QUOTA_NL_A.QTYPE, QUOTA_NL_A.EXCESS_ID, QUOTA_NL_A.WARNING, QUOTA_NL_A.DEV_MAJOR, QUOTA_NL_A.DEV_MINOR].map((n) => attributes.get(n));
  if (raw.some((value) => value === undefined)) return { dropped: 'missing-attribute' };
  const qtype = attrU32(raw[0]);
  const id = attrU64(raw[1]);
  const warning = attrU32(raw[2]);
  const major = attrU32(raw[3]);
  const minor = attrU32(raw[4]);
  const rawCaused = attributes.get(QUOTA_NL_A.CAUSED_ID);
  const caused = attrU64(rawCaused);
  if (qtype === undefined || id === undefined || warning === undefined || major === undefined || minor === undefined) return { dropped: 'bad-attribute' };
  if (rawCaused !== undefined && caused === undefined) return { dropped: 'bad-attribute' };
  const quotaType = QUOTA_TYPES[qtype];
  if (!quotaType) return { dropped: 'unknown-quota-type' };
  if (warning === 0) return { skipped: 'no-warning' };
  const spec = WARNINGS[warning];
  if (!spec) return { skipped: 'unknown-warning' };
  const data: Record<string, unknown> = { quotaType: quotaType.name, [quotaType.idField]: id, id, warning: spec.name, seq: message.seq };
  if (spec.limit) data.limit = spec.limit;
  if (caused !== undefined) data.causedUid = caused;
  return { observation: { type: spec.type, time: now, mount: { devno: { major, minor } }, data } };
}
