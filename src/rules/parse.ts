/**
 * @module rules/parse
 * Validates a rules document whole and compiles it, or refuses it with every problem, each naming
 * the rule and the field (`rule "drain" (#2) /match/types/0: must be one of …`). Pure apart from
 * reading the file: building actions never touches the system (only their `run` does).
 */
import { readFile } from 'node:fs/promises';
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Logger } from 'pino';
import { parse as parseYaml } from 'yaml';
import { ConfigError, FsevdError } from '../errors.ts';
import { DURATION_PATTERN, durationMs } from './duration.ts';
import { compileMatcher, type Matcher } from './match.ts';
import { ruleSchema, rulesFileSchema, type RuleSpec } from './schema.ts';
import { compileTemplate, templateProblems, type Template } from './template.ts';
import type { Action, ActionModule } from './types.ts';

/** Default dedup key: one instance per rule, node and mount. */
export const DEFAULT_KEY = '{rule}/{node}/{mountpoint}';
/** Default reason given to actions. */
export const DEFAULT_REASON = '{type} on {mountpoint}';
/** Default cooldown of a rule without `resolve`: it fires on events, so a storm must not run it per event. */
const DEFAULT_COOLDOWN_WITHOUT_RESOLVE_MS = 60_000;

/** One configured action of a rule. */
export interface ActionSlot {
  /** Registry name (exec, webhook, slurm, …). */
  type: string;
  action: Action;
}

/** A rule ready to evaluate. */
export interface CompiledRule {
  name: string;
  /** As written (shown by GET /api/v1/rules). */
  spec: RuleSpec;
  match: Matcher;
  resolve: Matcher | undefined;
  forMs: number;
  count: number;
  withinMs: number;
  healthyForMs: number;
  cooldownMs: number;
  key: Template;
  reason: Template;
  actions: ActionSlot[];
}

/** A validated rules document. */
export interface RuleSet {
  /** Where it came from (file path, or a label). */
  origin: string;
  rules: CompiledRule[];
}

/** What compiling needs: the action modules and the context their instances get. */
export interface ParseOptions {
  actions: Readonly<Record<string, ActionModule>>;
  log: Logger;
  now: () => number;
}

/** Reads and compiles a rules file; throws ConfigError (every problem) or FsevdError CONFIG_READ. */
export async function loadRulesFile(path: string, options: ParseOptions): Promise<RuleSet> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new FsevdError('FSEVD_E_CONFIG_READ', `Cannot read rules file ${path}: ${(err as Error).message}`, { cause: err });
  }
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (err) {
    throw new ConfigError([`${path}: ${(err as Error).message.split('\n')[0]}`], { cause: err });
  }
  return parseRules(document ?? { rules: [] }, path, options);
}

/** Validates and compiles a parsed document; throws ConfigError naming every problem. */
export function parseRules(document: unknown, origin: string, options: ParseOptions): RuleSet {
  const top = problemsOf(rulesFileSchema, document);
  if (top.length > 0) throw new ConfigError(top.map((p) => `${origin}: ${p}`));
  const problems: string[] = [];
  const rules: CompiledRule[] = [];
  const names = new Set<string>();
  (document as { rules: unknown[] }).rules.forEach((raw, index) => {
    const name = (raw as { name?: unknown } | null)?.name;
    const label = `rule ${JSON.stringify(name ?? '?')} (#${index + 1})`;
    const before = problems.length;
    const problem = (text: string) => problems.push(`${label} ${text}`);
    problemsOf(ruleSchema, raw).forEach(problem);
    if (typeof raw === 'object' && raw !== null) checkRule(raw, problem);
    if (typeof name === 'string' && names.has(name)) problem('/name: another rule has this name');
    if (typeof name === 'string') names.add(name);
    // The actions are checked even when the rule's own fields are not, so one run shows everything.
    const rawActions = (raw as { actions?: unknown } | null)?.actions;
    const slots = Array.isArray(rawActions) ? rawActions.map((a, i) => buildAction(String(name), a, options, (p) => problem(`/actions/${i}${p}`))) : [];
    if (problems.length > before) return;
    rules.push(compileRule(raw as RuleSpec, slots as ActionSlot[]));
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return { origin, rules };
}

/** Checks what the schema cannot (combinations, templates); runs on any object so one run shows everything. */
function checkRule(raw: Partial<RuleSpec>, problem: (text: string) => void): void {
  const count = typeof raw.count === 'number' ? raw.count : 1;
  if (count > 1 && raw.within === undefined) problem('/within: required with count > 1 (the window the events must fall in)');
  if (count === 1 && raw.within !== undefined) problem('/within: only meaningful with count > 1');
  if (count > 1 && raw.for !== undefined) problem('/for: cannot be combined with count (use one condition)');
  if (raw.healthyFor !== undefined && raw.resolve === undefined) problem('/healthyFor: needs resolve (what makes the rule healthy again)');
  for (const field of ['key', 'reason'] as const) {
    const text = raw[field];
    if (typeof text === 'string') for (const found of templateProblems(text)) problem(`/${field}: ${found}`);
  }
}

function compileRule(spec: RuleSpec, actions: ActionSlot[]): CompiledRule {
  const count = spec.count ?? 1;
  return {
    name: spec.name,
    spec,
    match: compileMatcher(spec.match),
    resolve: spec.resolve ? compileMatcher(spec.resolve) : undefined,
    forMs: spec.for === undefined ? 0 : durationMs(spec.for),
    count,
    withinMs: spec.within === undefined ? 0 : durationMs(spec.within),
    healthyForMs: spec.healthyFor === undefined ? 0 : durationMs(spec.healthyFor),
    cooldownMs: spec.cooldown !== undefined ? durationMs(spec.cooldown) : spec.resolve ? 0 : DEFAULT_COOLDOWN_WITHOUT_RESOLVE_MS,
    key: compileTemplate(spec.key ?? DEFAULT_KEY),
    reason: compileTemplate(spec.reason ?? DEFAULT_REASON),
    actions,
  };
}

function buildAction(rule: string, raw: unknown, options: ParseOptions, problem: (text: string) => void): ActionSlot | undefined {
  if (typeof raw !== 'object' || raw === null || typeof (raw as { type?: unknown }).type !== 'string') return void problem('/type: each action needs a type');
  const { type, ...settings } = raw as { type: string };
  const module = Object.hasOwn(options.actions, type) ? options.actions[type] : undefined;
  if (!module) return void problem(`/type: unknown action ${JSON.stringify(type)} (known: ${Object.keys(options.actions).join(', ')})`);
  const withDefaults = Value.Default(module.configSchema, structuredClone(settings));
  const found = problemsOf(module.configSchema, withDefaults);
  if (found.length > 0) return void found.forEach((p) => problem(p));
  try {
    const action = module.create(withDefaults as never, { log: options.log.child({ component: 'action', action: type, rule }), now: options.now });
    return { type, action };
  } catch (err) {
    return void problem(`: ${(err as Error).message}`);
  }
}

/** Every problem of a value against a schema, one line each with its path. */
function problemsOf(schema: TSchema, value: unknown): string[] {
  const lines = [...Value.Errors(schema, value)].map((error) => {
    const anyOf = (error.schema as { anyOf?: Array<{ const?: unknown; pattern?: string }> }).anyOf;
    let message = error.message;
    if (anyOf?.every((branch) => 'const' in branch)) message = `must be one of ${anyOf.map((b) => String(b.const)).join(', ')}`;
    else if (anyOf?.some((branch) => branch.pattern === DURATION_PATTERN)) message = 'must be a duration: seconds, or a number with a unit (250ms, 30s, 5m, 2h)';
    const got = error.value === undefined || typeof error.value === 'object' ? '' : ` (got ${JSON.stringify(error.value)})`;
    return `${error.path || '/'}: ${message}${got}`;
  });
  return [...new Set(lines)];
}
