/**
 * @module config/schema
 * The daemon's configuration schema, composed from the source registry (never retyped). Every
 * key has a default, so an empty file (or none) is a valid configuration; unknown keys are
 * rejected. docs/config.md and the README's reference are generated from this schema.
 */
import { Type, type Static, type TProperties } from '@sinclair/typebox';
import { sources } from '../collector/sources/registry.ts';
import { configSchema as correlationConfigSchema } from '../collector/pipeline/correlate.ts';
import { apiConfigSchema } from '../api/config.ts';
import { thresholdsConfigSchema } from '../collector/thresholds/schema.ts';
import { rulesConfigSchema } from '../rules/schema.ts';

/** Log levels pino understands. */
export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Default HTTP listen address: loopback only. */
export const DEFAULT_LISTEN = '127.0.0.1:9742';

function sourcesSchema() {
  const properties: TProperties = {};
  for (const [name, module] of Object.entries(sources)) properties[name] = Type.Object(module.configSchema.properties, { additionalProperties: false, default: {} });
  return Type.Object(properties, { additionalProperties: false, default: {}, description: 'Per-source settings, keyed by source name.' });
}

/** The configuration schema. */
export const configSchema = Type.Object(
  {
    node: Type.String({ minLength: 1, description: 'Node name put in every event (default: the host name).' }),
    listen: Type.String({ default: DEFAULT_LISTEN, pattern: '^(\\[[0-9a-fA-F:.]+\\]|[^\\s:\\[\\]]+):\\d{1,5}$', description: 'HTTP listen address HOST:PORT (IPv6 as [addr]:port). Loopback by default.' }),
    stateDir: Type.String({ minLength: 1, description: 'Directory for the journal and cursors (default: /var/lib/fsevd as root, else $XDG_STATE_HOME/fsevd).' }),
    logLevel: Type.Union(logLevels.map((level) => Type.Literal(level)), { default: 'info', description: 'Minimum level of log lines (JSON on stderr).' }),
    logEvents: Type.Boolean({ default: true, description: 'Log one info line per published event.' }),
    journal: Type.Object(
      {
        segmentBytes: Type.Integer({ minimum: 65_536, default: 4 * 1024 * 1024, description: 'Size at which the journal starts a new segment file.' }),
        maxBytes: Type.Integer({ minimum: 131_072, default: 64 * 1024 * 1024, description: 'Total journal size kept; the oldest segments are deleted beyond it.' }),
        fsync: Type.Union([Type.Literal('always'), Type.Literal('interval'), Type.Literal('never')], { default: 'interval', description: 'always: fsync every batch before publishing it; interval: at most every fsyncIntervalMs; never: leave it to the kernel. A killed daemon loses nothing in any mode; a power loss may lose up to the interval.' }),
        fsyncIntervalMs: Type.Integer({ minimum: 10, default: 1000, description: 'fsync period for fsync: interval.' }),
      },
      { additionalProperties: false, default: {} },
    ),
    sources: sourcesSchema(),
    correlation: Type.Object(correlationConfigSchema.properties, { additionalProperties: false, default: {}, description: 'How reports of one fault are folded into events (see README "Correlation").' }),
    api: apiConfigSchema,
    thresholds: thresholdsConfigSchema,
    rules: rulesConfigSchema,
  },
  { additionalProperties: false },
);

/** A complete, validated configuration. */
export type Config = Static<typeof configSchema> & { sources: { [K in keyof typeof sources]: Static<(typeof sources)[K]['configSchema']> } };
