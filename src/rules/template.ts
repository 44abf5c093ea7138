/**
 * @module rules/template
 * Text templates over an event's fields, for dedup keys and reasons: `{rule}/{node}/{mountpoint}`,
 * `{type} on {mountpoint} ({data.reason})`. A placeholder names a top-level event field, `rule`,
 * `node` (the scheduler's node name), `sources` (comma-separated) or `data.NAME`; an absent field
 * renders as the empty string. Unknown names are refused when the rules are loaded.
 */
import type { FsEvent } from '../collector/types.ts';

/** What a template is rendered against. */
export interface TemplateInput {
  rule: string;
  node: string;
  event: FsEvent;
}

/** A compiled template. */
export type Template = (input: TemplateInput) => string;

const PLACEHOLDER = /\{([A-Za-z_][\w.-]*)\}/g;
const EVENT_FIELDS = new Set(['seq', 'time', 'type', 'code', 'class', 'severity', 'transient', 'mountpoint', 'device', 'fstype', 'major', 'minor', 'mountId', 'uuid', 'count']);

/** Names a template may use, for error messages. */
export const templateFields = ['rule', 'node', 'sources', ...EVENT_FIELDS, 'data.NAME'];

/** The unknown placeholders of a template (empty when it is valid). */
export function templateProblems(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1]!).filter((name) => !known(name)).map((name) => `unknown placeholder {${name}} (known: ${templateFields.join(', ')})`);
}

/** Compiles a template that templateProblems accepted. */
export function compileTemplate(text: string): Template {
  const parts = text.split(PLACEHOLDER);
  // split with one capture group alternates literal, name, literal, …
  if (parts.length === 1) return () => text;
  return (input) => {
    let out = '';
    for (let i = 0; i < parts.length; i++) out += i % 2 === 0 ? parts[i]! : render(parts[i]!, input);
    return out;
  };
}

function known(name: string): boolean {
  return name === 'rule' || name === 'node' || name === 'sources' || EVENT_FIELDS.has(name) || /^data\.[\w-]+$/.test(name);
}

function render(name: string, { rule, node, event }: TemplateInput): string {
  if (name === 'rule') return rule;
  if (name === 'node') return node;
  if (name === 'sources') return event.sources.join(',');
  const value = name.startsWith('data.') ? event.data[name.slice(5)] : (event as unknown as Record<string, unknown>)[name];
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
