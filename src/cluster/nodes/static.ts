/**
 * @module cluster/nodes/static
 * `nodes.static`: the node list written in the config, one entry per node in the one-line form of
 * entry.ts (`host[:port] [name=SCHEDULER_NAME] [tls] [tokenFile=PATH] [ca=PATH]`).
 */
import { Type, type Static } from '@sinclair/typebox';
import { ConfigError } from '../../errors.ts';
import type { NodeEndpoint, NodeSource, NodeSourceContext } from '../types.ts';
import { parseEntry } from './entry.ts';

/** `nodes.static`: a list of entries. */
export const configSchema = Type.Array(Type.String({ minLength: 1 }), { maxItems: 100_000, description: 'Nodes as "host[:port] [name=SCHEDULER_NAME] [tls] [tokenFile=PATH] [ca=PATH]".' });

/** The fixed list; bad entries are refused when the source is created. */
export function create(config: Static<typeof configSchema>, context: NodeSourceContext): NodeSource {
  const endpoints: NodeEndpoint[] = [];
  const problems: string[] = [];
  config.forEach((line, i) => {
    const entry = parseEntry(line, context.defaultPort);
    if ('problem' in entry) problems.push(`/nodes/static/${i}: ${entry.problem}`);
    else endpoints.push(entry);
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return { list: async () => endpoints };
}
