/**
 * @module cluster/config
 * The configuration of `fsevd cluster` (its own file, separate from a node's): where its state and
 * HTTP port are, where the node list comes from (nodes/registry.ts, one section per source), how a
 * node is reached and named in the scheduler, the rules file, and the cluster-only rules
 * (unreachable nodes, incidents and their cap). Every key has a default except the node sources,
 * of which at least one must be given. The `api` and `rules` sections are the node daemon's.
 */
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { Type, type Static, type TProperties } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { apiConfigSchema } from '../api/config.ts';
import { defaultStateDir } from '../config/load.ts';
import { logLevels } from '../config/schema.ts';
import { ConfigError, FsevdError } from '../errors.ts';
import { rulesConfigSchema } from '../rules/schema.ts';
import { nodeSources } from './nodes/registry.ts';

/** Default HTTP address of the cluster subscriber: loopback, one port above the node daemon's. */
export const DEFAULT_CLUSTER_LISTEN = '127.0.0.1:9743';

/** How every node's fsevd is reached unless its entry says otherwise. */
export const connectionSchema = Type.Object(
  {
    port: Type.Integer({ minimum: 1, maximum: 65_535, default: 9742, description: 'fsevd port of nodes listed without one (scheduler and A-record sources).' }),
    tls: Type.Boolean({ default: false, description: 'Connect with wss:// (the nodes serve api.tls).' }),
    ca: Type.Optional(Type.String({ minLength: 1, description: 'PEM file of the CA (or self-signed certificates) to trust for wss.' })),
    tokenFile: Type.Optional(Type.String({ minLength: 1, description: 'File holding a read token of the nodes (sent as Bearer); re-read at each connection.' })),
  },
  { additionalProperties: false, default: {} },
);

/** A validated connection section. */
export type ConnectionConfig = Static<typeof connectionSchema>;

function sourcesSchema() {
  const properties: TProperties = {};
  for (const [name, module] of Object.entries(nodeSources)) properties[name] = Type.Optional(module.configSchema);
  return Type.Object(properties, { additionalProperties: false, default: {}, description: 'Where the node list comes from; every configured source adds its nodes.' });
}

const durationSeconds = (def: number, description: string) => Type.Number({ minimum: 0, default: def, description });

/** The configuration schema of `fsevd cluster`. */
export const clusterConfigSchema = Type.Object(
  {
    listen: Type.String({ default: DEFAULT_CLUSTER_LISTEN, pattern: '^(\\[[0-9a-fA-F:.]+\\]|[^\\s:\\[\\]]+):\\d{1,5}$', description: 'HTTP listen address HOST:PORT of the cluster view. Loopback by default.' }),
    stateDir: Type.String({ minLength: 1, description: 'Cursors and the rules journal (default: <fsevd state dir>/cluster).' }),
    logLevel: Type.Union(logLevels.map((level) => Type.Literal(level)), { default: 'info' }),
    nodes: sourcesSchema(),
    refreshSeconds: Type.Number({ minimum: 1, default: 60, description: 'Period at which every node source is read again.' }),
    connection: connectionSchema,
    schedulerName: Type.Object(
      {
        template: Type.String({ minLength: 1, default: '{node}', description: 'Scheduler node name from {node} (the fsevd node name), {nodeShort} (up to the first dot), {host} or {hostShort} (the address).' }),
        map: Type.Record(Type.String({ minLength: 1 }), Type.String({ minLength: 1 }), { default: {}, description: 'fsevd node name → scheduler node name; wins over the template.' }),
      },
      { additionalProperties: false, default: {} },
    ),
    rules: rulesConfigSchema,
    stream: Type.Object(
      {
        filter: Type.Record(Type.String(), Type.Unknown(), { default: {}, description: 'Stream filter sent to every node (api/stream/filter.ts); default: every event.' }),
        start: Type.Union([Type.Literal('live'), Type.Literal('journal')], { default: 'live', description: 'For a node seen for the first time: live (from now) or journal (replay what its journal holds).' }),
        maxQueued: Type.Integer({ minimum: 1, default: 5000, description: 'Events queued per node before reading from it pauses (the node then reports overflow, and the journal replays it).' }),
      },
      { additionalProperties: false, default: {} },
    ),
    unreachable: Type.Object(
      {
        afterSeconds: durationSeconds(120, 'A node whose fsevd has been unreachable this long is reported unreachable.'),
        drain: Type.Boolean({ default: false, description: 'Also drain an unreachable node (never resumed by this rule: a human or a later rule does).' }),
        actions: Type.Array(Type.Object({ type: Type.String({ minLength: 1 }) }, { additionalProperties: true }), { default: [], maxItems: 16, description: 'Actions run to drain an unreachable node (same form as a rule\'s actions).' }),
        reason: Type.String({ minLength: 1, default: 'fsevd unreachable for {seconds}s', description: 'Reason given to the actions ({seconds}, {address}).' }),
      },
      { additionalProperties: false, default: {} },
    ),
    incidents: Type.Object(
      {
        types: Type.Array(Type.String({ minLength: 1 }), { default: ['FS_UNAVAILABLE', 'ERR_REMOUNT_RO', 'FS_SHUTDOWN', 'IO_ERROR', 'FS_ERROR'], description: 'Event types that mark a mount bad.' }),
        windowSeconds: durationSeconds(300, 'Bad reports of one filesystem within this window of each other are one incident.'),
        minNodes: Type.Integer({ minimum: 2, default: 3, description: 'Nodes at which an incident is reported as cluster-level (a shared filesystem\'s server is down).' }),
        capPercent: Type.Number({ minimum: 0, maximum: 100, default: 10, description: 'One incident may drain at most this share of the known nodes (at least capMinNodes).' }),
        capMinNodes: Type.Integer({ minimum: 0, default: 1, description: 'Floor of the cap.' }),
        capNodes: Type.Optional(Type.Integer({ minimum: 0, description: 'A fixed cap instead of the percentage.' })),
      },
      { additionalProperties: false, default: {} },
    ),
    api: apiConfigSchema,
  },
  { additionalProperties: false },
);

/** A validated cluster configuration. */
export type ClusterConfig = Static<typeof clusterConfigSchema>;

/** Reads and validates the cluster config file (YAML or JSON); throws ConfigError naming every bad path. */
export async function loadClusterConfig(file: string | undefined, overrides: { listen?: string; stateDir?: string; logLevel?: string } = {}): Promise<ClusterConfig> {
  let document: unknown = {};
  if (file !== undefined) {
    const text = await readFile(file, 'utf8').catch((err: Error) => {
      throw new FsevdError('FSEVD_E_CONFIG_READ', `Cannot read cluster config ${file}: ${err.message}`, { cause: err });
    });
    try {
      document = parseYaml(text) ?? {};
    } catch (err) {
      throw new ConfigError([`${file}: ${(err as Error).message.split('\n')[0]}`], { cause: err });
    }
  }
  return validateClusterConfig(document, overrides);
}

/** Validates a parsed document plus overrides; pure. */
export function validateClusterConfig(document: unknown, overrides: { listen?: string; stateDir?: string; logLevel?: string } = {}): ClusterConfig {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) throw new ConfigError(['the cluster configuration must be a mapping']);
  const merged: Record<string, unknown> = { ...(document as Record<string, unknown>) };
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) merged[key] = value;
  merged.stateDir ??= join(defaultStateDir(), 'cluster');
  const config = Value.Default(clusterConfigSchema, structuredClone(merged));
  const problems = [...new Set([...Value.Errors(clusterConfigSchema, config)].map((e) => `${e.path || '/'}: ${e.message}`))];
  if (problems.length > 0) throw new ConfigError(problems);
  const valid = config as ClusterConfig;
  if (Object.keys(valid.nodes).length === 0) throw new ConfigError(['/nodes: name at least one node source (static, file, slurm, kubernetes, dns)']);
  if (valid.unreachable.drain && valid.unreachable.actions.length === 0) throw new ConfigError(['/unreachable/actions: unreachable.drain needs the actions that drain (e.g. [{type: slurm}])']);
  return valid;
}
