/**
 * @module collector/sources/fsevent/v1
 * Pure, with a little memory: the RFC v1 layout (fs-event-protocol.md §2–3, "v1"). The command is
 * the event class, the event id a bit value (typos of the patch kept in the comments), and the
 * filesystem is a per-entry trace id announced by a NEW_TRACE message (FS_ID + MOUNT) unless the
 * event carries DEV_MAJOR/DEV_MINOR. v1 sends the same threshold id in both directions, so the
 * direction comes from DATA: more available blocks than the last report of that filesystem means
 * it rose back above the level; the first report of a filesystem is a fall (a fresh entry is armed).
 */
import type { EventType } from '../../events.ts';
import { attrU32, genlPayload, parseAttributes, type NetlinkMessage } from '../../../util/netlink/wire.ts';
import { decodeBytes } from '../../../util/bytes.ts';
import { eventFields, type Decoded, type EventAttributeNumbers } from './decode.ts';

/** v1 attribute numbers (FS_EVENT_ATR_*): FS_ID 1, MOUNT 2, DEV_MAJOR 3, DEV_MINOR 4, ID 5, CAUSED_ID 6, DATA 7. */
const FS_EVENT_ATR = { FS_ID: 1, MOUNT: 2 } as const;
const V1_FIELDS: EventAttributeNumbers = { id: 5, major: 3, minor: 4, caused: 6, data: 7 };

/** v1 genl commands (FS_EVENT_TYPE_*): INFO 1, WARN 2, ERR 3, THRESH 4, NEW_TRACE 5. */
const FS_EVENT_TYPE_NEW_TRACE = 5;

/** Event id bits of v1 and what each becomes; the threshold bits are resolved by direction. */
const V1_IDS = new Map<number, EventType | 'LR' | 'UR'>([
  [0x1, 'UMOUNT'], // FS_INFO_UMOUNT
  [0x4, 'FS_WARNING'], // FS_WARN_UNKNOWN
  [0x8, 'WARN_ENOSPC'],
  [0x10, 'WARN_ENOSPC_META'], // FS_WANR_ENOSPC_META (sic)
  [0x20, 'LR'], // FS_THRESH_LR_REACHED, either direction
  [0x40, 'UR'], // FS_THRESH_UR_REACHED, either direction
  [0x80, 'FS_ERROR'], // FS_ERR_UNKNOWN
  [0x100, 'ERR_REMOUNT_RO'], // FS_ERR_RO_REMOUT (sic)
  [0x200, 'ERR_CORRUPTED'], // FS_ERR_ITERNAL (sic)
]);

/** Trace ids and last DATA remembered; a kernel has one entry per configured filesystem. */
const MAX_TRACES = 4096;

/** Decoder of one v1 listener (remembers trace ids and the last available-block report). */
export class V1Decoder {
  readonly #mounts = new Map<number, string>();
  readonly #lastAvailable = new Map<string, number>();

  /** Decodes one message (nlmsg_type already checked to be the family's id). */
  decode(message: NetlinkMessage, now: number): Decoded {
    const genl = genlPayload(message.payload);
    if (!genl) return { dropped: 'no-genl-header' };
    if (genl.cmd < 1 || genl.cmd > FS_EVENT_TYPE_NEW_TRACE) return { dropped: 'wrong-command' };
    const attributes = parseAttributes(genl.attributes);
    if (typeof attributes === 'string') return { dropped: attributes };
    const rawTrace = attributes.get(FS_EVENT_ATR.FS_ID);
    const traceId = attrU32(rawTrace);
    if (rawTrace !== undefined && traceId === undefined) return { dropped: 'bad-attribute' };
    if (genl.cmd === FS_EVENT_TYPE_NEW_TRACE) {
      const mount = attributes.get(FS_EVENT_ATR.MOUNT);
      if (traceId === undefined || mount === undefined) return { dropped: 'bad-attribute' };
      const end = mount.indexOf(0);
      this.#remember(this.#mounts, traceId, decodeBytes(end < 0 ? mount : mount.subarray(0, end)));
      return { skipped: 'trace' };
    }
    const fields = eventFields(attributes, V1_FIELDS);
    if ('dropped' in fields) return fields;
    const { eventId, devno, pid, available } = fields;
    const kind = V1_IDS.get(eventId);
    if (!kind) return { skipped: 'unknown-event' };
    const path = traceId === undefined ? undefined : this.#mounts.get(traceId);
    const mount = devno ? { devno } : path !== undefined ? { path } : undefined;
    if (!mount) return { dropped: 'no-device' };
    const data: Record<string, unknown> = { eventId, protocol: 'v1', seq: message.seq };
    if (traceId !== undefined) data.traceId = traceId;
    if (pid !== undefined) data.causedPid = pid;
    let type: EventType;
    if (kind === 'LR' || kind === 'UR') {
      type = this.#direction(kind, `${kind}:${devno?.major ?? ''}:${devno?.minor ?? ''}:${traceId ?? ''}`, available);
      if (available !== undefined) data.availableBlocks = available;
    } else {
      type = kind;
    }
    return { observation: { type, time: now, mount, data } };
  }

  #direction(range: 'LR' | 'UR', key: string, available: number | undefined): EventType {
    const previous = this.#lastAvailable.get(key);
    if (available !== undefined) this.#remember(this.#lastAvailable, key, available);
    const rose = previous !== undefined && available !== undefined && available > previous;
    if (range === 'LR') return rose ? 'THR_LRABOVE' : 'THR_LRBELOW';
    return rose ? 'THR_URABOVE' : 'THR_URBELOW';
  }

  /** Bounded memory: the oldest entry goes first (Map keeps insertion order). */
  #remember<K, V>(map: Map<K, V>, key: K, value: V): void {
    map.delete(key);
    map.set(key, value);
    if (map.size > MAX_TRACES) map.delete(map.keys().next().value as K);
  }
}
