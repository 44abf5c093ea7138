/**
 * @module collector/sources/quota
 * Quota warnings from the kernel's VFS_DQUOT generic netlink family (CONFIG_QUOTA_NETLINK_INTERFACE),
 * multicast group "events": soft and hard limits, grace expiry and back-below, for blocks and
 * inodes, with the user, group or project id, on the mount of the device (decode.ts). Without the
 * family the source is down with that reason. fsevd keeps no quota state that a loss could leave
 * stale (warnings are edges the kernel does not repeat and cannot be asked for again), so after an
 * overrun the EVENTS_LOST report is the whole recovery: there is nothing to re-read.
 */
import { Type, type Static } from '@sinclair/typebox';
import { StartupError } from '../../../errors.ts';
import { resolveFamily } from '../../../util/netlink/genl.ts';
import { NetlinkListener } from '../../../util/netlink/listener.ts';
import { Protocol } from '../../../util/netlink/package.ts';
import { familyMessages } from '../../../util/netlink/wire.ts';
import type { Source, SourceContext } from '../../types.ts';
import { decodeQuota, type QuotaObservation } from './decode.ts';

/** Config of `sources.quota`. */
export const configSchema = Type.Object(
  {
    enabled: Type.Boolean({ default: true, description: 'Listen to quota warnings (VFS_DQUOT generic netlink family, group "events").' }),
    receiveBufferBytes: Type.Integer({ minimum: 4096, default: 256 * 1024, description: 'Socket receive buffer requested (capped by net.core.rmem_max).' }),
    acceptUserSpace: Type.Boolean({ default: false, description: 'Also accept warnings that user-space processes (root only) send to the group; for tests and benchmarks.' }),
  },
  { additionalProperties: false },
);

/** Parsed `sources.quota` config. */
export type QuotaConfig = Static<typeof configSchema>;

/** Creates the quota source. */
export function create(config: QuotaConfig): Source {
  return new QuotaSource(config);
}

/** The family and its group (include/uapi/linux/quota.h, fs/quota/netlink.c). */
const FAMILY = 'VFS_DQUOT';
const GROUP = 'events';

class QuotaSource implements Source {
  readonly name = 'quota';
  readonly #config: QuotaConfig;
  #listener: NetlinkListener<QuotaObservation> | undefined;

  constructor(config: QuotaConfig) {
    this.#config = config;
  }

  async start(ctx: SourceContext): Promise<void> {
    let familyId = 0;
    const setup = async () => {
      const found = await resolveFamily([FAMILY]);
      if (!found) throw new StartupError('the VFS_DQUOT generic netlink family is not registered (kernel built without CONFIG_QUOTA_NETLINK_INTERFACE)');
      const group = found.groups.get(GROUP);
      if (group === undefined) throw new StartupError(`the ${FAMILY} family has no "${GROUP}" multicast group`);
      familyId = found.id;
      return { groups: [group] };
    };
    const listener = new NetlinkListener<QuotaObservation>(
      {
        protocol: Protocol.GENERIC,
        receiveBufferBytes: this.#config.receiveBufferBytes,
        acceptUserSpace: this.#config.acceptUserSpace,
        // fs/quota/netlink.c numbers every warning from one atomic counter.
        trust: 'exact',
        modulus: 2 ** 32,
        setup,
        decode: (datagram, now) => familyMessages(datagram, familyId, (message) => decodeQuota(message, now)),
      },
      ctx,
    );
    this.#listener = listener;
    await listener.open(`the ${FAMILY} family`);
    Object.assign(listener.detail, { familyId });
    ctx.setHealth({ state: 'up', detail: listener.detail });
  }

  async stop(): Promise<void> {
    await this.#listener?.close();
    this.#listener = undefined;
  }
}
