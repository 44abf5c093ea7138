/**
 * @module collector/sources/fsevent
 * The proposed fs_event generic netlink family (shared/reference/fs-event-protocol.md), the kernel
 * interface fsevd is named after. No mainline kernel has it; a patched one does. The family is
 * resolved by name through the controller (v3 "fs_event" first, then v1/v2 "FS_EVENT"; v1 and v2
 * are told apart by maxattr, 7 vs 5), its one multicast group joined, and every message decoded
 * (decode.ts, v1.ts) into the registry's codes 1–8 on the mount of DEV_MAJOR:DEV_MINOR. Absent
 * family: the source is down with that reason and the statfs source's threshold engine stands in.
 * After a loss (ENOBUFS), the threshold positions fsevd shows may be stale: the block levels the
 * kernel evaluates are written again to /sys/fs/events/config, which resets the kernel's state
 * bits, so the next allocation below a level reports it again (resync.ts).
 */
import { Type, type Static } from '@sinclair/typebox';
import { StartupError } from '../../../errors.ts';
import { resolveFamily } from '../../../util/netlink/genl.ts';
import { NetlinkListener } from '../../../util/netlink/listener.ts';
import { Protocol } from '../../../util/netlink/package.ts';
import { familyMessages } from '../../../util/netlink/wire.ts';
import type { SharedState, Source, SourceContext } from '../../types.ts';
import { decodeV3, type FsEventObservation } from './decode.ts';
import { rearmKernelThresholds } from './resync.ts';
import { V1Decoder } from './v1.ts';

/** Config of `sources.fsevent`. */
export const configSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'Listen to the fs_event generic netlink family of kernels patched with the 2015 proposal (absent on mainline: the source is then down).' }),
    receiveBufferBytes: Type.Integer({ minimum: 4096, default: 1 << 20, description: 'Socket receive buffer requested (capped by net.core.rmem_max); what it absorbs before the kernel drops messages (counted as lost).' }),
    familyId: Type.Optional(Type.Integer({ minimum: 16, maximum: 1023, description: 'Use this family id instead of resolving the name (with groupId); for kernels whose family is not listed by the controller, and for tests.' })),
    groupId: Type.Optional(Type.Integer({ minimum: 1, maximum: 31, description: 'Multicast group to join with familyId.' })),
    protocol: Type.Union([Type.Literal('v1'), Type.Literal('v2'), Type.Literal('v3')], { default: 'v3', description: 'Message layout with familyId (a resolved family tells its own).' }),
    acceptUserSpace: Type.Boolean({ default: false, description: 'Also accept messages that user-space processes (root only) send to the group; for tests and benchmarks.' }),
  },
  { additionalProperties: false },
);

/** Parsed `sources.fsevent` config. */
export type FsEventConfig = Static<typeof configSchema>;

/** Creates the fsevent source. */
export function create(config: FsEventConfig, shared: SharedState): Source {
  return new FsEventSource(config, shared);
}

/** Family names by proposal version, newest first, and each one's multicast group. */
const FAMILIES = [
  { name: 'fs_event', group: 'fs_event_mc_grp' },
  { name: 'FS_EVENT', group: 'event' },
] as const;

/** maxattr of the v1 family (FS_EVENT_ATR_MAX); v2 declares FS_NL_A_MAX = 5. */
const V1_MAXATTR = 7;

class FsEventSource implements Source {
  readonly name = 'fsevent';
  readonly #config: FsEventConfig;
  readonly #shared: SharedState;
  #listener: NetlinkListener<FsEventObservation> | undefined;

  constructor(config: FsEventConfig, shared: SharedState) {
    this.#config = config;
    this.#shared = shared;
  }

  async start(ctx: SourceContext): Promise<void> {
    const config = this.#config;
    let family: { id: number; protocol: 'v1' | 'v2' | 'v3'; name: string } = { id: config.familyId ?? 0, protocol: config.protocol, name: 'configured' };
    let v1 = new V1Decoder();
    const setup = async () => {
      if (config.familyId !== undefined && config.groupId !== undefined) return { groups: [config.groupId] };
      const found = await resolveFamily(FAMILIES.map((f) => f.name));
      if (!found) throw new StartupError('the fs_event generic netlink family is not registered (mainline kernels do not have it); fsevd evaluates thresholds itself');
      const group = found.groups.get(FAMILIES.find((f) => f.name === found.name)?.group ?? '');
      if (group === undefined) throw new StartupError(`the ${found.name} family has no multicast group to join`);
      const protocol = found.name === 'fs_event' ? 'v3' : found.maxattr === V1_MAXATTR ? 'v1' : 'v2';
      // A family registered again starts a new v1 trace-id space.
      if (found.id !== family.id) v1 = new V1Decoder();
      family = { id: found.id, protocol, name: found.name };
      return { groups: [group] };
    };
    const decode = (datagram: Buffer, now: number) =>
      familyMessages(datagram, family.id, (message) => (family.protocol === 'v1' ? v1.decode(message, now) : decodeV3(message, now, family.protocol)));
    const listener = new NetlinkListener<FsEventObservation>(
      {
        protocol: Protocol.GENERIC,
        receiveBufferBytes: config.receiveBufferBytes,
        acceptUserSpace: config.acceptUserSpace,
        trust: 'exact',
        modulus: 2 ** 32,
        setup,
        decode,
        resync: () => this.#resync(ctx),
      },
      ctx,
    );
    this.#listener = listener;
    await listener.open('the fs_event family');
    Object.assign(listener.detail, { family: family.name, familyId: family.id, protocol: family.protocol });
    ctx.setHealth({ state: 'up', detail: listener.detail });
  }

  async stop(): Promise<void> {
    await this.#listener?.close();
    this.#listener = undefined;
  }

  async #resync(ctx: SourceContext): Promise<void> {
    const thresholds = this.#shared.thresholds;
    if (!thresholds) return;
    const result = await rearmKernelThresholds(ctx.paths.sys, thresholds, ctx.mounts, this.#shared.space);
    if (result) ctx.log.info({ written: result.written, failed: result.failed }, 'Kernel thresholds re-armed after lost fs_event messages');
  }
}
