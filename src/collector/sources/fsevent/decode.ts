/**
 * @module collector/sources/fsevent/decode
 * Pure: one fs_event generic netlink message in, an observation or a counted reason out
 * (shared/reference/fs-event-protocol.md §1–3). v2 and v3 share the layout: command FS_NL_C_EVENT,
 * attributes EVENT_ID (u32, codes 1–8 = our registry codes 1–8), DEV_MAJOR/DEV_MINOR (u32,
 * sb->s_dev), CAUSED_ID (documented u32, written as u64 by the code: both accepted), DATA (u64
 * available blocks, threshold events only: elsewhere ignored). Unknown attributes are ignored and
 * unknown event codes are skipped (the review asked listeners to ignore new types); a message
 * without an event id or with a malformed attribute is dropped with its reason. v1 is in v1.ts.
 */
import { eventRegistry, eventTypes, type EventType } from '../../events.ts';
import type { Observation } from '../../types.ts';
import { attrU32, attrU64, genlPayload, parseAttributes, type NetlinkMessage, type WireProblem } from '../../../util/netlink/wire.ts';

/** An observation without its source name (the running-source wrapper adds it). */
export type FsEventObservation = Omit<Observation, 'source'>;

/** Why a message was dropped (counted per reason; a closed set for metric labels). */
export type DropReason = WireProblem | 'no-genl-header' | 'wrong-command' | 'no-event-id' | 'bad-attribute' | 'no-device';

/** Why a well-formed message produced nothing. */
export type SkipReason = 'unknown-event' | 'trace';

/** The outcome of decoding one message. */
export type Decoded = { observation: FsEventObservation } | { dropped: DropReason } | { skipped: SkipReason };

/** genlmsghdr.cmd of every v2/v3 event. */
const FS_NL_C_EVENT = 1;

/** v2/v3 attribute numbers (FS_NL_A_*): EVENT_ID 1, DEV_MAJOR 2, DEV_MINOR 3, CAUSED_ID 4, DATA 5. */
const V3_FIELDS: EventAttributeNumbers = { id: 1, major: 2, minor: 3, caused: 4, data: 5 };

/** Registry types by proposal code: codes 1–8 are the same numbers in both. */
const TYPE_BY_CODE = new Map<number, EventType>(eventTypes.filter((t) => eventRegistry[t].code <= 8).map((t) => [eventRegistry[t].code, t]));

/** Events whose DATA (available blocks at the crossing) means something. */
const THRESHOLD_TYPES = new Set<EventType>(['THR_LRBELOW', 'THR_LRABOVE', 'THR_URBELOW', 'THR_URABOVE']);

/** Where the event fields are in one layout (FS_NL_A_* for v2/v3, FS_EVENT_ATR_* for v1). */
export interface EventAttributeNumbers {
  id: number;
  major: number;
  minor: number;
  caused: number;
  data: number;
}

/** The event fields of a message, each attribute present checked for its documented size. */
export type EventFields = { eventId: number; devno?: { major: number; minor: number }; pid?: number; available?: number };

/**
 * Reads and checks the event fields. CAUSED_ID may be u32 (the documentation) or u64 (what the
 * code writes); DEV_MAJOR/DEV_MINOR count only as a pair.
 */
export function eventFields(attributes: Map<number, Buffer>, n: EventAttributeNumbers): EventFields | { dropped: 'no-event-id' | 'bad-attribute' } {
  const raw = attributes.get(n.id);
  if (raw === undefined) return { dropped: 'no-event-id' };
  const eventId = attrU32(raw);
  const rawMajor = attributes.get(n.major);
  const rawMinor = attributes.get(n.minor);
  const rawCaused = attributes.get(n.caused);
  const rawData = attributes.get(n.data);
  const major = attrU32(rawMajor);
  const minor = attrU32(rawMinor);
  const pid = rawCaused === undefined ? undefined : (attrU32(rawCaused) ?? attrU64(rawCaused));
  const available = attrU64(rawData);
  if (eventId === undefined || (rawMajor && major === undefined) || (rawMinor && minor === undefined) || (rawCaused && pid === undefined) || (rawData && available === undefined)) {
    return { dropped: 'bad-attribute' };
  }
  const fields: EventFields = { eventId };
  if (major !== undefined && minor !== undefined) fields.devno = { major, minor };
  if (pid !== undefined) fields.pid = pid;
  if (available !== undefined) fields.available = available;
  return fields;
}

/** Decodes a v2/v3 message (nlmsg_type already checked to be the family's id). */
export function decodeV3(message: NetlinkMessage, now: number, protocol: 'v2' | 'v3'): Decoded {
  const genl = genlPayload(message.payload);
  if (!genl) return { dropped: 'no-genl-header' };
  if (genl.cmd !== FS_NL_C_EVENT) return { dropped: 'wrong-command' };
  const attributes = parseAttributes(genl.attributes);
  if (typeof attributes === 'string') return { dropped: attributes };
  const fields = eventFields(attributes, V3_FIELDS);
  if ('dropped' in fields) return fields;
  const { eventId, devno, pid, available } = fields;
  const type = TYPE_BY_CODE.get(eventId);
  if (!type) return { skipped: 'unknown-event' };
  if (!devno) return { dropped: 'no-device' };
  const data: Record<string, unknown> = { eventId, protocol, seq: message.seq };
  if (pid !== undefined) data.causedPid = pid;
  if (available !== undefined && THRESHOLD_TYPES.has(type)) data.availableBlocks = available;
  return { observation: { type, time: now, mount: { devno }, data } };
}
