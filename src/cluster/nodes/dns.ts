/**
 * @module cluster/nodes/dns
 * `nodes.dns`: the nodes behind a DNS name: SRV records (`_fsevd._tcp.example.org`: target and
 * port per node) or A/AAAA records (a headless service: one address per node, default port).
 * Queried at each refresh through node's resolver (the system's servers, or `servers`), with a
 * timeout; the scheduler name comes from the mapping (the fsevd node name by default).
 */
import { Resolver } from 'node:dns/promises';
import { Type, type Static } from '@sinclair/typebox';
import { FsevdError } from '../../errors.ts';
import type { NodeEndpoint, NodeSource, NodeSourceContext } from '../types.ts';
import { formatAddress } from './entry.ts';

/** `nodes.dns`. */
export const configSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'The DNS name to query.' }),
    type: Type.Union([Type.Literal('SRV'), Type.Literal('A')], { default: 'SRV', description: 'SRV (target and port per node) or A (A and AAAA addresses, default port).' }),
    servers: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 8, description: 'DNS servers (ip or ip:port) instead of the system\'s.' })),
    timeoutSeconds: Type.Number({ minimum: 1, default: 5 }),
  },
  { additionalProperties: false },
);

/** Resolves the name at each list(). */
export function create(config: Static<typeof configSchema>, context: NodeSourceContext): NodeSource {
  return {
    async list() {
      const resolver = new Resolver({ timeout: config.timeoutSeconds * 1000, tries: 2 });
      if (config.servers) resolver.setServers(config.servers);
      try {
        if (config.type === 'SRV') {
          const records = await resolver.resolveSrv(config.name);
          return records.map((r): NodeEndpoint => ({ host: r.name, port: r.port, address: formatAddress(r.name, r.port) }));
        }
        const settled = await Promise.allSettled([resolver.resolve4(config.name), resolver.resolve6(config.name)]);
        const hosts = settled.flatMap((s) => (s.status === 'fulfilled' ? s.value : []));
        if (hosts.length === 0 && settled[0].status === 'rejected') throw settled[0].reason;
        return hosts.map((host): NodeEndpoint => ({ host, port: context.defaultPort, address: formatAddress(host, context.defaultPort) }));
      } catch (err) {
        throw new FsevdError('FSEVD_E_STARTUP', `DNS ${config.type} ${config.name}: ${(err as Error).message}`, { cause: err });
      }
    },
  };
}
