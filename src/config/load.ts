/**
 * @module config/load
 * Reads, merges and validates the configuration: schema defaults < config file < command-line
 * flags. Validation is pure and reports every bad field with its path; the result is either a
 * complete Config or a ConfigError, never something half-applied.
 */
import { readFile } from 'node:fs/promises';
import { hostname, homedir } from 'node:os';
import { join } from 'node:path';
import { Value, type ValueError } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { ConfigError, FsevdError } from '../errors.ts';
import { configSchema, type Config } from './schema.ts';

/** Settings given on the command line; each one also exists in the config file. */
export interface ConfigOverrides {
  listen?: string;
  stateDir?: string;
  logLevel?: string;
  node?: string;
}

/** Reads the file (if any), applies the overrides and validates the whole. */
export async function loadConfig(file: string | undefined, overrides: ConfigOverrides = {}): Promise<Config> {
  let fromFile: unknown = {};
  if (file !== undefined) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new FsevdError('FSEVD_E_CONFIG_READ', `Cannot read config file ${file}: ${(err as Error).message}`, { cause: err });
    }
    try {
      fromFile = parseYaml(text) ?? {};
    } catch (err) {
      throw new ConfigError([`${file}: ${(err as Error).message.split('\n')[0]}`], { cause: err });
    }
  }
  return validateConfig(fromFile, overrides);
}

/** Validates a parsed config document plus overrides; pure. Throws ConfigError naming every bad path. */
export function validateConfig(document: unknown, overrides: ConfigOverrides = {}): Config {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new ConfigError(['the configuration must be a mapping of keys to values']);
  }
  const merged: Record<string, unknown> = { ...(document as Record<string, unknown>) };
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) merged[key] = value;
  merged.node ??= hostname();
  merged.stateDir ??= defaultStateDir();
  const withDefaults = Value.Default(configSchema, structuredClone(merged));
  const problems = [...Value.Errors(configSchema, withDefaults)].map((e) => `${e.path || '/'}: ${explain(e)}${describeValue(e.value)}`);
  if (problems.length > 0) throw new ConfigError(dedupe(problems));
  return withDefaults as Config;
}

/** /var/lib/fsevd for root; the XDG state directory otherwise, so an unprivileged run works. */
export function defaultStateDir(): string {
  if (process.getuid?.() === 0) return '/var/lib/fsevd';
  return join(process.env.XDG_STATE_HOME || join(homedir(), '.local/state'), 'fsevd');
}

/** TypeBox's message, made specific for the two cases it words vaguely (enums and patterns). */
function explain(error: ValueError): string {
  const schema = error.schema as { anyOf?: Array<{ const?: unknown }>; pattern?: string; description?: string };
  if (schema.anyOf?.every((branch) => 'const' in branch)) return `must be one of ${schema.anyOf.map((b) => String(b.const)).join(', ')}`;
  if (schema.pattern && schema.description) return `has the wrong format: ${schema.description}`;
  return error.message;
}

function describeValue(value: unknown): string {
  if (value === undefined || typeof value === 'object') return '';
  return ` (got ${JSON.stringify(value)})`;
}

// A union failure is reported once per branch by TypeBox; one line per path is enough.
function dedupe(problems: string[]): string[] {
  return [...new Set(problems)];
}
