/**
 * @module collector/sources/uevent
 * Block-device uevents (NETLINK_KOBJECT_UEVENT, the kernel's group 1): every uevent is parsed
 * (parse.ts) and counted; those about a block device under a mounted filesystem become
 * DEVICE_REMOVED or DEVICE_CHANGED on that mount (classify.ts), once confirmed against a fresh
 * mount table (devices.ts). Only the kernel's own messages count (sender port 0): root could
 * unicast or multicast forged ones. SEQNUM counts every uevent of the machine, other network
 * namespaces included, so a SEQNUM gap is read as a loss only after an ENOBUFS (an upper bound);
 * after a loss, the devices of all mounted filesystems are looked up again in sysfs.
 */
import { Type, type Static } from '@sinclair/typebox';
import { NetlinkListener, type DecodedMessage, type ListenerSink } from '../../../util/netlink/listener.ts';
import { Protocol } from '../../../util/netlink/package.ts';
import type { Source, SourceContext } from '../../types.ts';
import { classifyUevent, type UeventObservation } from './classify.ts';
import { confirmDeviceEvent, missingDevices } from './devices.ts';
import { parseUevent } from './parse.ts';

/** Config of `sources.uevent`. */
export const configSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'Listen to kernel uevents for block devices removed or changed under mounted filesystems.' }),
    receiveBufferBytes: Type.Integer({ minimum: 4096, default: 1 << 20, description: 'Socket receive buffer requested (capped by net.core.rmem_max); device storms (hundreds of disks appearing) need room.' }),
    acceptUserSpace: Type.Boolean({ default: false, description: 'Also accept uevents sent by user-space processes (root only); for tests. Never on in production: they could be forged.' }),
  },
  { additionalProperties: false },
);

/** Parsed `sources.uevent` config. */
export type UeventConfig = Static<typeof configSchema>;

/** Creates the uevent source. */
export function create(config: UeventConfig): Source {
  return new UeventSource(config);
}

/** The kernel's uevent multicast group (udev re-broadcasts on group 2 in its own format). */
const KERNEL_GROUP = 1;

class UeventSource implements Source {
  readonly name = 'uevent';
  readonly #config: UeventConfig;
  #listener: NetlinkListener<UeventObservation> | undefined;
  /** Confirmations run one after another, so events leave in the order the kernel sent them. */
  #confirming: Promise<void> = Promise.resolve();

  constructor(config: UeventConfig) {
    this.#config = config;
  }

  async start(ctx: SourceContext): Promise<void> {
    const decode = function* (datagram: Buffer, now: number): Iterable<DecodedMessage<UeventObservation>> {
      const event = parseUevent(datagram);
      if (typeof event === 'string') yield { outcome: { dropped: event } };
      else yield { seq: event.seqnum, outcome: classifyUevent(event, ctx.mounts, now) };
    };
    const sink: ListenerSink<UeventObservation> = {
      emit: (obs) => (obs.type === 'EVENTS_LOST' ? ctx.emit(obs) : this.#confirm(ctx, obs)),
      addLost: (n) => ctx.addLost(n),
      setHealth: (update) => ctx.setHealth(update),
      log: ctx.log,
      now: () => ctx.now(),
    };
    const listener = new NetlinkListener<UeventObservation>(
      {
        protocol: Protocol.KOBJECT_UEVENT,
        receiveBufferBytes: this.#config.receiveBufferBytes,
        acceptUserSpace: this.#config.acceptUserSpace,
        trust: 'none',
        setup: async () => ({ groups: [KERNEL_GROUP] }),
        decode,
        resync: async () => {
          for (const obs of await missingDevices(ctx.mounts, ctx.paths.sys, ctx.now())) this.#confirm(ctx, obs);
        },
      },
      sink,
    );
    this.#listener = listener;
    await listener.open('kernel uevents');
    ctx.setHealth({ state: 'up', detail: listener.detail });
  }

  async stop(): Promise<void> {
    await this.#listener?.close();
    this.#listener = undefined;
    await this.#confirming;
  }

  /** Publishes a device event once a fresh look at the system confirms it (devices.ts). */
  #confirm(ctx: SourceContext, obs: UeventObservation): void {
    const detail = this.#listener?.detail;
    this.#confirming = this.#confirming.then(() =>
      confirmDeviceEvent(obs, ctx.paths).then(
        (confirmed) => {
          if (confirmed) ctx.emit(confirmed);
          else if (detail) detail.unmountedMeanwhile = Number(detail.unmountedMeanwhile ?? 0) + 1;
        },
        (err: unknown) => {
          ctx.log.warn({ err }, 'Cannot confirm a device event; publishing it as reported');
          ctx.emit(obs);
        },
      ),
    );
  }
}
