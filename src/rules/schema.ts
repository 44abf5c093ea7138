/**
 * @module rules/schema
 * The shape of a rules file (YAML or JSON): `rules:` is a list of rules, each a matcher, its
 * conditions and its actions. Each action's settings are validated by the schema its module
 * exports (actions/registry.ts), so this file knows no action by name. See README "Rules".
 */
import { Type, type Static } from '@sinclair/typebox';
import { filterSchema } from '../api/stream/filter.ts';
import { durationSchema } from './duration.ts';

/** Most rules in one file; matching cost grows with it and a node needs a handful. */
export const MAX_RULES = 1000;

const scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]);

/** Which events a rule (or its `resolve`) is about; every field narrows, values within one widen. */
export const matchSchema = Type.Object(
  {
    ...filterSchema.properties,
    devices: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 1024 }), { maxItems: 16, description: 'Device globs (/dev/sd*, server:/export/**).' })),
    data: Type.Optional(
      Type.Record(Type.String({ pattern: '^[\\w-]+(\\.[\\w-]+)*$' }), Type.Union([scalar, Type.Array(scalar, { maxItems: 64 })]), {
        description: 'Data fields (dotted paths such as after.readOnly) and the value, or any of the values, each must have.',
      }),
    ),
  },
  { additionalProperties: false },
);

/** A matcher as written. */
export type MatchSpec = Static<typeof matchSchema>;

/** One rule as written (its actions are checked against their own modules' schemas). */
export const ruleSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9_.:-]+$', description: 'Unique name (letters, digits, _ . : -): in logs, metrics and keys.' }),
    description: Type.Optional(Type.String({ maxLength: 1024 })),
    match: matchSchema,
    for: Type.Optional(durationSchema('Fire only when the match has held that long with no resolving event (e.g. unavailable for 30s).')),
    count: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'Fire on the Nth matching event within `within` (default 1).' })),
    within: Type.Optional(durationSchema('Window for `count`.')),
    resolve: Type.Optional(matchSchema),
    healthyFor: Type.Optional(durationSchema('After the resolving event, undo only when no matching event came for that long (default 0).')),
    cooldown: Type.Optional(durationSchema('Least time between two fires of one key (default 0 with `resolve`, 60s without).')),
    key: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'Dedup key template (default {rule}/{node}/{mountpoint}).' })),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 512, description: 'Reason template given to actions (default "{type} on {mountpoint}").' })),
    actions: Type.Array(Type.Object({ type: Type.String({ minLength: 1 }) }, { additionalProperties: true }), { minItems: 1, maxItems: 16 }),
  },
  { additionalProperties: false },
);

/** A rule as written. */
export type RuleSpec = Static<typeof ruleSchema>;

/** The whole file. */
export const rulesFileSchema = Type.Object({ rules: Type.Array(Type.Unknown(), { maxItems: MAX_RULES }) }, { additionalProperties: false });

/** The `rules` section of the daemon config: where the rules are and how the engine runs them. */
export const rulesConfigSchema = Type.Object(
  {
    file: Type.Optional(Type.String({ minLength: 1, description: 'Rules file (YAML or JSON, README "Rules"); reloaded on SIGHUP and POST /api/v1/rules/reload. No file: no rules.' })),
    dryRun: Type.Boolean({ default: false, description: 'Actions only report what they would do (also: fsevd run --dry-run).' }),
    concurrency: Type.Integer({ minimum: 1, maximum: 256, default: 4, description: 'Actions running at once, all rules together (one key is always one at a time, in order).' }),
    maxPending: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1000, description: 'Actions waiting to run; beyond it new ones are dropped and counted.' }),
    inboxEvents: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 10_000, description: 'Published events waiting for rule evaluation; beyond it events are dropped, counted and block resuming like lost events.' }),
    lossHold: durationSchema('No undo (resume) while a source is down or within this long after events were lost.', '5m'),
    stopGrace: durationSchema('On stop, how long running actions may finish before they are aborted.', '10s'),
  },
  { additionalProperties: false, default: {}, description: 'Rules and hooks (README "Rules").' },
);

/** The `rules` config section. */
export type RulesConfig = Static<typeof rulesConfigSchema>;
