/**
 * @module cluster/node-name
 * The scheduler's name of a followed node. In order: what the node source says (Slurm node name,
 * Kubernetes Node name), the config's `schedulerName.map` (fsevd node name → scheduler name), then
 * the template over {node} (the fsevd node name, which is the host name by default), {nodeShort}
 * (up to the first dot), {host} and {hostShort} (the address it is reached at). Before the node has
 * said its name (no hello yet), {node} falls back to the host.
 */
import { ConfigError } from '../errors.ts';
import type { NodeEndpoint } from './types.ts';

const PLACEHOLDER = /\{(\w+)\}/g;
const FIELDS = ['node', 'nodeShort', 'host', 'hostShort'] as const;

/** Maps fsevd nodes to scheduler names. */
export type SchedulerNamer = (endpoint: NodeEndpoint, fsevdNode: string | undefined) => string;

/** Builds the namer; throws ConfigError on an unknown placeholder. */
export function schedulerNamer(settings: { template: string; map: Record<string, string> }): SchedulerNamer {
  const unknown = [...settings.template.matchAll(PLACEHOLDER)].map((m) => m[1]!).filter((name) => !(FIELDS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new ConfigError([`/schedulerName/template: unknown placeholder {${unknown[0]}} (known: ${FIELDS.map((f) => `{${f}}`).join(' ')})`]);
  const short = (name: string) => (/^[\d.]+$|:/.test(name) ? name : name.split('.')[0]!);
  return (endpoint, fsevdNode) => {
    if (endpoint.schedulerName) return endpoint.schedulerName;
    const node = fsevdNode ?? endpoint.host;
    const mapped = Object.hasOwn(settings.map, node) ? settings.map[node] : undefined;
    if (mapped) return mapped;
    const values: Record<(typeof FIELDS)[number], string> = { node, nodeShort: short(node), host: endpoint.host, hostShort: short(endpoint.host) };
    return settings.template.replace(PLACEHOLDER, (_m, name: (typeof FIELDS)[number]) => values[name]);
  };
}
