/**
 * @module util/netlink/wire
 * Pure netlink wire format, bytes in, values out, nothing thrown: the message headers of a datagram
 * (struct nlmsghdr, include/uapi/linux/netlink.h), the generic netlink header (struct genlmsghdr)
 * and the attributes (struct nlattr) of a payload. Every length is checked against the bytes that
 * are really there, because the fs_event and quota decoders read datagrams from any root process
 * (and the kernel's own sender could be a patched one): a bad length is a `malformed` result, never
 * an out-of-range read. Numbers are read little-endian: the kernel writes host order, and fsevd
 * runs on little-endian hosts (x86-64, arm64).
 */

/** sizeof(struct nlmsghdr). */
const NLMSG_HDRLEN = 16;
/** sizeof(struct genlmsghdr): cmd u8, version u8, reserved u16. */
const GENL_HDRLEN = 4;
/** sizeof(struct nlattr). */
const NLA_HDRLEN = 4;
/** nla_type bits that are flags, not the type (NLA_F_NESTED, NLA_F_NET_BYTEORDER). */
const NLA_TYPE_MASK = 0x3fff;
/** Control message types below NLMSG_MIN_TYPE (0x10): NOOP, ERROR, DONE, OVERRUN. */
export const NLMSG_MIN_TYPE = 0x10;

/** One message of a datagram. `payload` is a view (no copy) of what follows the header. */
export interface NetlinkMessage {
  type: number;
  flags: number;
  seq: number;
  /** nlmsg_pid as the sender wrote it (the kernel writes 0). */
  port: number;
  payload: Buffer;
}

/** Why bytes could not be decoded; closed set, usable as a metric label. */
export type WireProblem = 'truncated-header' | 'bad-length' | 'truncated-attribute';

/** The messages of one datagram, and what was wrong with its tail when something was. */
export interface SplitResult {
  messages: NetlinkMessage[];
  problem?: WireProblem;
}

const align4 = (n: number) => (n + 3) & ~3;

/** Splits a datagram into its messages (NLMSG_OK / NLMSG_NEXT); stops at the first bad header. */
export function splitMessages(datagram: Buffer): SplitResult {
  const messages: NetlinkMessage[] = [];
  let offset = 0;
  while (offset < datagram.length) {
    if (datagram.length - offset < NLMSG_HDRLEN) return { messages, problem: 'truncated-header' };
    const length = datagram.readUInt32LE(offset);
    if (length < NLMSG_HDRLEN || length > datagram.length - offset) return { messages, problem: 'bad-length' };
    messages.push({
      type: datagram.readUInt16LE(offset + 4),
      flags: datagram.readUInt16LE(offset + 6),
      seq: datagram.readUInt32LE(offset + 8),
      port: datagram.readUInt32LE(offset + 12),
      payload: datagram.subarray(offset + NLMSG_HDRLEN, offset + length),
    });
    offset += align4(length);
  }
  return { messages };
}

/** The generic netlink header of a payload, and the attributes' bytes after it. */
export interface GenlPayload {
  cmd: number;
  version: number;
  attributes: Buffer;
}

/** Reads the genlmsghdr at the start of a generic netlink payload (hdrsize 0 families). */
export function genlPayload(payload: Buffer): GenlPayload | undefined {
  if (payload.length < GENL_HDRLEN) return undefined;
  return { cmd: payload[0]!, version: payload[1]!, attributes: payload.subarray(GENL_HDRLEN) };
}

/**
 * The attributes of a payload by type (flags masked off; a repeated type keeps the last, as
 * nla_parse does), or the problem that stopped parsing. Values are views, not copies.
 */
export function parseAttributes(bytes: Buffer): Map<number, Buffer> | WireProblem {
  const attributes = new Map<number, Buffer>();
  let offset = 0;
  while (bytes.length - offset >= NLA_HDRLEN) {
    const length = bytes.readUInt16LE(offset);
    // nla_ok(): a length below the header or past the end means the rest cannot be trusted.
    if (length < NLA_HDRLEN || length > bytes.length - offset) return 'truncated-attribute';
    attributes.set(bytes.readUInt16LE(offset + 2) & NLA_TYPE_MASK, bytes.subarray(offset + NLA_HDRLEN, offset + length));
    offset += align4(length);
  }
  // Fewer than NLA_HDRLEN bytes left over is padding when zero, garbage otherwise.
  for (let i = offset; i < bytes.length; i++) if (bytes[i] !== 0) return 'truncated-attribute';
  return attributes;
}

/** A u32 attribute's value; undefined unless it is exactly 4 bytes. */
export function attrU32(value: Buffer | undefined): number | undefined {
  return value?.length === 4 ? value.readUInt32LE(0) : undefined;
}

/** A u64 attribute's value (exact below 2^53, which every id, pid and block count here is). */
export function attrU64(value: Buffer | undefined): number | undefined {
  if (value?.length !== 8) return undefined;
  return value.readUInt32LE(0) + value.readUInt32LE(4) * 0x1_0000_0000;
}

/** What routing a generic netlink datagram gives for one message. */
export type Routed<R> = { seq?: number; outcome: R | { skipped: 'control' | 'other-family' } | { dropped: WireProblem } };

/**
 * The messages of a datagram for one family: each message of `familyId` decoded (with its
 * sequence number, for loss accounting), control messages and other families skipped, a broken
 * tail dropped.
 */
export function* familyMessages<R>(datagram: Buffer, familyId: number, decode: (message: NetlinkMessage) => R): Iterable<Routed<R>> {
  const { messages, problem } = splitMessages(datagram);
  for (const message of messages) {
    if (message.type < NLMSG_MIN_TYPE) yield { outcome: { skipped: 'control' } };
    else if (message.type !== familyId) yield { outcome: { skipped: 'other-family' } };
    else yield { seq: message.seq, outcome: decode(message) };
  }
  if (problem) yield { outcome: { dropped: problem } };
}
