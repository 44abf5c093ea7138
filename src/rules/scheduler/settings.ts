/**
 * @module rules/scheduler/settings
 * Settings every scheduler driver shares, as TypeBox properties to spread into each driver's
 * schema, so the names, defaults and descriptions are the same in every rule file.
 */
import { Type } from '@sinclair/typebox';
import { DEFAULT_REASON_PREFIX } from './marker.ts';

/** Default time a driver's whole run (read, act, verify) may take. */
const DEFAULT_TIMEOUT_MS = 15_000;

/** The ownership prefix, the time limit of each call, and extra environment for the tools. */
export const commonSettings = {
  reasonPrefix: Type.String({
    minLength: 1,
    maxLength: 32,
    pattern: '^\\S+$',
    default: DEFAULT_REASON_PREFIX,
    description: 'First word of every reason fsevd writes; a node whose reason does not start with exactly this word is not resumed.',
  }),
  timeoutMs: Type.Integer({ minimum: 100, maximum: 300_000, default: DEFAULT_TIMEOUT_MS, description: 'Time limit of each command or request (the process group is killed at it).' }),
};

/** Extra environment for a driver's commands (e.g. SLURM_CONF, PBS_CONF_FILE, LSF_ENVDIR, FLUX_URI, CONDOR_CONFIG). */
export const envSetting = Type.Optional(
  Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), Type.String(), { description: 'Environment added to the daemon\'s for the commands.' }),
);

/** The program a driver runs, by name (looked up in PATH) or path. */
export function programSetting(name: string) {
  return Type.String({ minLength: 1, default: name, description: `The ${name} program (name in PATH, or a path).` });
}
