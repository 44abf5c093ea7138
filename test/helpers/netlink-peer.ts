/**
 * A netlink peer for tests and benchmarks: builds wire-format messages from the references
 * (fs-event-protocol.md §1–3, kernel-signals.md §7 and §9) and sends them from a second real
 * netlink socket, unicast to a listener's port id or multicast to a group (root only, as the
 * kernel requires for both on these protocols). The builders take raw attribute lists, so a test
 * can write any attribute: truncated, oversized, wrongly typed or unknown.
 */
import type { TestContext } from 'node:test';
import { createGenericNetlink, genl, RawNetlinkSocket } from 'netlink';
import { onCleanup } from './cleanup.ts';

/** One attribute: type and raw value bytes (padding is added). */
export interface RawAttribute {
  type: number;
  value: Buffer;
  /** Overrides nla_len (to write a lying length). */
  length?: number;
}

/** A u32 in host (little-endian) order. */
export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

/** A u64 in host (little-endian) order. */
export function u64(n: number | bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}

const pad4 = (n: number) => (4 - (n % 4)) % 4;

/** Attributes as struct nlattr, each padded to 4 bytes. */
export function attributes(list: readonly RawAttribute[]): Buffer {
  return Buffer.concat(
    list.map((a) => {
      const header = Buffer.alloc(4);
      header.writeUInt16LE(a.length ?? 4 + a.value.length, 0);
      header.writeUInt16LE(a.type, 2);
      return Buffer.concat([header, a.value, Buffer.alloc(pad4(a.value.length))]);
    }),
  );
}

/** A netlink message (nlmsghdr + payload, padded); `length` overrides nlmsg_len. */
export function nlmsg(header: { type: number; seq: number; flags?: number; port?: number; length?: number }, payload: Buffer): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt32LE(header.length ?? 16 + payload.length, 0);
  h.writeUInt16LE(header.type, 4);
  h.writeUInt16LE(header.flags ?? 0, 6);
  h.writeUInt32LE(header.seq >>> 0, 8);
  h.writeUInt32LE(header.port ?? 0, 12);
  return Buffer.concat([h, payload, Buffer.alloc(pad4(payload.length))]);
}

/** A generic netlink message: genlmsghdr (cmd, version 1) then the attributes. */
export function genlmsg(familyId: number, seq: number, cmd: number, attrs: readonly RawAttribute[]): Buffer {
  return nlmsg({ type: familyId, seq }, Buffer.concat([Buffer.from([cmd, 1, 0, 0]), attributes(attrs)]));
}

/** A v2/v3 fs_event message as the patch's fs_netlink_send_event() builds it (CAUSED_ID as u64). */
export function fsEventMessage(familyId: number, seq: number, event: { id: number; major: number; minor: number; pid?: number; data?: number }): Buffer {
  const attrs: RawAttribute[] = [
    { type: 1, value: u32(event.id) },
    { type: 2, value: u32(event.major) },
    { type: 3, value: u32(event.minor) },
    { type: 4, value: u64(event.pid ?? 4242) },
  ];
  if (event.data !== undefined) attrs.push({ type: 5, value: u64(event.data) });
  return genlmsg(familyId, seq, 1, attrs);
}

/** A VFS_DQUOT warning as fs/quota/netlink.c builds it. */
export function quotaMessage(familyId: number, seq: number, w: { qtype: number; id: number; warning: number; major: number; minor: number; caused?: number }): Buffer {
  return genlmsg(familyId, seq, 1, [
    { type: 1, value: u32(w.qtype) },
    { type: 2, value: u64(w.id) },
    { type: 3, value: u32(w.warning) },
    { type: 4, value: u32(w.major) },
    { type: 5, value: u32(w.minor) },
    { type: 6, value: u64(w.caused ?? w.id) },
  ]);
}

/** A kernel-format uevent: "ACTION@DEVPATH\0KEY=VALUE\0…" with ACTION, DEVPATH, SUBSYSTEM, SEQNUM. */
export function ueventMessage(action: string, devpath: string, seqnum: number, properties: Record<string, string | number>): Buffer {
  const fields = [`${action}@${devpath}`, `ACTION=${action}`, `DEVPATH=${devpath}`, ...Object.entries(properties).map(([k, v]) => `${k}=${v}`), `SEQNUM=${seqnum}`];
  return Buffer.from(`${fields.join('\0')}\0`, 'latin1');
}

/** A second netlink socket that sends what a test builds. */
export class NetlinkPeer {
  readonly socket: RawNetlinkSocket;

  constructor(protocol: number) {
    this.socket = new RawNetlinkSocket(protocol, { recvBufferSize: 0, sendBufferSize: 1 << 20 });
    // The kernel answers our multicasts' unicast copy (genl: family or operation unknown) with
    // errors nobody reads; they are dropped when the buffer is full. Nothing to do with them.
    this.socket.on('error', () => undefined);
  }

  /** Our port id. */
  get port(): number {
    return this.socket.address().port;
  }

  /** Sends to one listener's port id; resolves once sent. */
  unicast(port: number, message: Buffer): Promise<void> {
    return this.#send(message, { port });
  }

  /** Sends to a multicast group (1–32); the send happens synchronously unless the socket is busy. */
  multicast(group: number, message: Buffer): Promise<void> {
    return this.#send(message, { groups: 2 ** (group - 1) });
  }

  close(): void {
    this.socket.close();
  }

  #send(message: Buffer, to: { port?: number; groups?: number }): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(message, to, (err) => (err ? reject(err) : resolve())));
  }
}

/** A peer closed in t.after. */
export function peer(t: TestContext, protocol: number): NetlinkPeer {
  const p = new NetlinkPeer(protocol);
  onCleanup(t, () => p.close());
  return p;
}

/**
 * A generic netlink multicast group id (≤ 31, so a sender's nl_groups mask can address it) that
 * no registered family owns: genl lets a socket join it (genl_bind finds no owner, so no check)
 * and nothing else listens there, so a test's messages reach only its own listener.
 */
export async function unusedGenlGroup(): Promise<number> {
  const socket = createGenericNetlink();
  try {
    const families = await socket.ctrlRequest(genl.Commands.GET_FAMILY, {}, { flags: 0x300 /* NLM_F_DUMP */ });
    const used = new Set(families.flatMap((f) => (f.mcastGroups ?? []).map((g) => g.id)));
    for (let id = 31; id > 0; id--) if (!used.has(id)) return id;
    throw new Error('every generic netlink group up to 31 is taken');
  } finally {
    socket.socket.close();
  }
}

/** A family id no registered family uses (the controller allocates upward from 16). */
export const UNUSED_FAMILY_ID = 1000;
