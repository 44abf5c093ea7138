/**
 * @module cluster/nodes/file
 * `nodes.file`: a text file with one node per line in the one-line form of entry.ts, `#` starting a
 * comment; read again at every refresh, so editing it adds and removes nodes. A bad line is
 * reported (once per content) and skipped; the other lines still count.
 */
import { readFile } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import { FsevdError } from '../../errors.ts';
import type { NodeEndpoint, NodeSource, NodeSourceContext } from '../types.ts';
import { parseEntry } from './entry.ts';

/** `nodes.file`: the path of the list. */
export const configSchema = Type.String({ minLength: 1, description: 'File with one node per line ("host[:port] [name=…] [tls] [tokenFile=…] [ca=…]", # comments); re-read at every refresh.' });

/** Reads the file at each list(). */
export function create(path: Static<typeof configSchema>, context: NodeSourceContext): NodeSource {
  let reported = '';
  return {
    async list() {
      const text = await readFile(path, 'utf8').catch((err: Error) => {
        throw new FsevdError('FSEVD_E_CONFIG_READ', `Cannot read node file ${path}: ${err.message}`, { cause: err });
      });
      const endpoints: NodeEndpoint[] = [];
      const problems: string[] = [];
      text.split('\n').forEach((raw, i) => {
        const line = raw.replace(/#.*/, '').trim();
        if (!line) return;
        const entry = parseEntry(line, context.defaultPort);
        if ('problem' in entry) problems.push(`${path}:${i + 1}: ${entry.problem}`);
        else endpoints.push(entry);
      });
      if (problems.length > 0 && problems.join() !== reported) context.log.warn({ problems }, 'Skipped bad lines of the node file');
      reported = problems.join();
      return endpoints;
    },
  };
}
