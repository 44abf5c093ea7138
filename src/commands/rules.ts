/**
 * @module commands/rules
 * `fsevd rules check FILE…` validates rules files (every problem, exit 2 when any is invalid);
 * `fsevd rules test FILE --event JSON…` is a dry run: for each event, which rules it matches or
 * resolves, under which condition, the dedup key and reason, and what each action would do in
 * that phase (actions run with dryRun: drivers read the node's state but change nothing).
 */
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { eventSpec, isEventType } from '../collector/events.ts';
import type { FsEvent } from '../collector/types.ts';
import { ConfigError, FsevdError } from '../errors.ts';
import { actions } from '../rules/actions/registry.ts';
import { loadRulesFile, type CompiledRule, type RuleSet } from '../rules/parse.ts';
import type { ActionPhase } from '../rules/types.ts';

/** Help of the command. */
export const RULES_HELP = `Usage: fsevd rules check FILE...
       fsevd rules test FILE --event JSON [--event JSON...] [--node NAME] [--json]

check  Validates each rules file whole; prints every problem (naming the rule and field) on
       stderr and exits 2 when a file is invalid, 0 when all are valid.
test   Dry run: for each event, the rules it matches (fire) or resolves (undo), the condition
       that decides when, the dedup key and reason, and what each action would do. Nothing is
       changed. An event is JSON with at least "type"; the rest defaults
       (e.g. '{"type":"FS_UNAVAILABLE","mountpoint":"/scratch","fstype":"nfs4"}').

Options:
  --event JSON   An event (repeatable; evaluated in order)
  --node NAME    Scheduler node name given to actions (default: the event's node, else this host)
  --json         One JSON object per event instead of text
  -h, --help     Show this help
`;

const options = { event: { type: 'string', multiple: true }, node: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const;
const parse = () => ({ actions, log: pino({ level: 'silent' }), now: Date.now });

/** Runs `fsevd rules`. */
export async function rules(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: true });
  const [sub, ...files] = positionals;
  if (values.help || sub === undefined) return void process.stdout.write(RULES_HELP);
  if (sub === 'check') return check(files);
  if (sub === 'test') return test(files, values.event ?? [], values.node, values.json ?? false);
  throw new FsevdError('FSEVD_E_USAGE', `Unknown rules command ${JSON.stringify(sub)}; see fsevd rules --help`);
}

async function check(files: string[]): Promise<void> {
  if (files.length === 0) throw new FsevdError('FSEVD_E_USAGE', 'Give at least one rules file');
  let invalid = 0;
  for (const file of files) {
    try {
      const set = await loadRulesFile(file, parse());
      process.stdout.write(`${file}: OK, ${set.rules.length} rule(s)\n`);
    } catch (err) {
      invalid++;
      const problems = err instanceof ConfigError ? err.problems : [(err as Error).message];
      for (const problem of problems) process.stderr.write(`${file}: ${problem}\n`);
    }
  }
  if (invalid > 0) throw new ConfigError([`${invalid} of ${files.length} rules file(s) invalid`]);
}

async function test(files: string[], events: string[], node: string | undefined, json: boolean): Promise<void> {
  if (files.length !== 1) throw new FsevdError('FSEVD_E_USAGE', 'Give exactly one rules file');
  if (events.length === 0) throw new FsevdError('FSEVD_E_USAGE', 'Give at least one --event JSON');
  const set = await loadRulesFile(files[0]!, parse());
  const parsed = events.map((text, i) => eventOf(text, i + 1));
  for (const event of parsed) {
    const report = await explain(set, event, node ?? event.node);
    process.stdout.write(json ? `${JSON.stringify(report)}\n` : text(report));
  }
}

/** What one event would do. */
interface EventReport {
  event: FsEvent;
  rules: Array<{ rule: string; phase: ActionPhase; when: string; key: string; reason: string; actions: Array<{ type: string; outcome: string; detail: string }> }>;
}

async function explain(set: RuleSet, event: FsEvent, node: string): Promise<EventReport> {
  const report: EventReport = { event, rules: [] };
  for (const rule of set.rules) {
    const phase: ActionPhase | undefined = rule.match.matches(event) ? 'fire' : rule.resolve?.matches(event) ? 'undo' : undefined;
    if (!phase) continue;
    const input = { rule: rule.name, node, event };
    const key = rule.key(input);
    const reason = rule.reason(input);
    const results = [];
    for (const slot of rule.actions) {
      if (phase === 'undo' && !slot.action.undoable) {
        results.push({ type: slot.type, outcome: 'none', detail: 'nothing to undo' });
        continue;
      }
      const result = await slot.action.run({ phase, rule: rule.name, key, event, node, reason, dryRun: true, signal: AbortSignal.timeout(30_000) });
      results.push({ type: slot.type, outcome: result.outcome, detail: result.detail });
    }
    report.rules.push({ rule: rule.name, phase, when: condition(rule, phase), key, reason, actions: results });
  }
  return report;
}

function condition(rule: CompiledRule, phase: ActionPhase): string {
  const s = (ms: number) => `${ms / 1000} s`;
  if (phase === 'undo') return `if the rule has fired for this key${rule.healthyForMs ? `, after ${s(rule.healthyForMs)} with no matching event` : ''}, while fsevd is healthy`;
  const parts = ['unless already fired for this key'];
  if (rule.count > 1) parts.push(`on the ${rule.count}th such event within ${s(rule.withinMs)}`);
  if (rule.forMs) parts.push(`after ${s(rule.forMs)} with no resolving event`);
  if (rule.cooldownMs) parts.push(`at most once per ${s(rule.cooldownMs)}`);
  return parts.join(', ');
}

function text(report: EventReport): string {
  const e = report.event;
  let out = `event ${e.type} ${e.mountpoint ?? '-'} (node ${e.node}, seq ${e.seq})\n`;
  if (report.rules.length === 0) out += '  no rule matches or resolves it\n';
  for (const r of report.rules) {
    out += `  rule ${r.rule}: ${r.phase === 'fire' ? 'matches → fire' : 'resolves → undo'} ${r.when}\n    key ${JSON.stringify(r.key)}, reason ${JSON.stringify(r.reason)}\n`;
    for (const a of r.actions) out += `    ${a.type}: ${a.outcome}: ${a.detail}\n`;
  }
  return out;
}

function eventOf(text: string, index: number): FsEvent {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError([`--event ${index}: not JSON: ${(err as Error).message}`]);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError([`--event ${index}: must be a JSON object`]);
  const fields = raw as Partial<FsEvent>;
  if (typeof fields.type !== 'string' || !isEventType(fields.type)) throw new ConfigError([`--event ${index}: "type" must be an event type (FS_UNAVAILABLE, ERR_REMOUNT_RO, …)`]);
  const spec = eventSpec(fields.type);
  return { seq: index, time: new Date().toISOString(), node: hostname(), code: spec.code, class: spec.class, severity: spec.severity, transient: spec.transient, sources: ['test'], count: 1, data: {}, ...fields } as FsEvent;
}
