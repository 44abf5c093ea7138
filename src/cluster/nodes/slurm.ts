/**
 * @module cluster/nodes/slurm
 * `nodes.slurm`: the nodes of a Slurm cluster, from `sinfo -h -N -o '%N %o'` (node name and
 * NodeAddr, one line per node and partition; duplicates are folded). The node name is the
 * scheduler's name, so no mapping is needed; fsevd is reached at NodeAddr (or the node name with
 * `address: name`) on the default port. sinfo runs from an argv (no shell) with a timeout that
 * kills it, so a hung slurmctld never stalls the subscriber.
 */
import { Type, type Static } from '@sinclair/typebox';
import { FsevdError } from '../../errors.ts';
import { runCommand } from '../../util/run-command.ts';
import type { NodeEndpoint, NodeSource, NodeSourceContext } from '../types.ts';
import { formatAddress } from './entry.ts';

/** `nodes.slurm`. */
export const configSchema = Type.Object(
  {
    partition: Type.Optional(Type.String({ minLength: 1, description: 'Only the nodes of this partition (sinfo -p).' })),
    address: Type.Union([Type.Literal('nodeaddr'), Type.Literal('name')], { default: 'nodeaddr', description: 'Reach fsevd at the NodeAddr (default) or the node name.' }),
    sinfo: Type.String({ minLength: 1, default: 'sinfo', description: 'The sinfo program (PATH is searched).' }),
    env: Type.Record(Type.String({ pattern: '^[A-Z_][A-Z0-9_]*$' }), Type.String(), { default: {}, description: 'Extra environment for sinfo, e.g. SLURM_CONF.' }),
    timeoutSeconds: Type.Number({ minimum: 1, default: 20 }),
  },
  { additionalProperties: false },
);

/** Runs sinfo at each list(). */
export function create(config: Static<typeof configSchema>, context: NodeSourceContext): NodeSource {
  return {
    async list(signal) {
      const argv = [config.sinfo, '-h', '-N', '-o', '%N %o', ...(config.partition ? ['-p', config.partition] : [])];
      const result = await runCommand({ argv, env: { ...process.env, ...config.env }, timeoutMs: config.timeoutSeconds * 1000, signal });
      if (result.exitCode !== 0) {
        const why = result.spawnError ?? (result.timedOut ? 'timed out' : result.stderr.trim().split('\n')[0] || `exit ${result.exitCode ?? result.signalName}`);
        throw new FsevdError('FSEVD_E_STARTUP', `sinfo failed: ${why}`);
      }
      return parseSinfo(result.stdout, config.address, context.defaultPort);
    },
  };
}

/** Endpoints of `sinfo -h -N -o '%N %o'` output, one per node name. */
export function parseSinfo(text: string, address: 'nodeaddr' | 'name', port: number): NodeEndpoint[] {
  const byName = new Map<string, NodeEndpoint>();
  for (const line of text.split('\n')) {
    const [name, nodeAddr] = line.trim().split(/\s+/);
    if (!name || byName.has(name)) continue;
    const host = address === 'name' || !nodeAddr || nodeAddr === '(null)' ? name : nodeAddr;
    byName.set(name, { host, port, address: formatAddress(host, port), schedulerName: name });
  }
  return [...byName.values()];
}
