/**
 * @module rules/template
 * Text templates over an event's fields, for dedup keys and reasons: `{rule}/{node}/{mountpoint}`,
 * `{type} on {mountpoint} ({data.reason})`. A placeholder names a top-level event field, `rule`,
 * `node` (the scheduler's node name), `sources` (comma-separated) or `data.NAME`; an absent field
 * renders as the empty string. Unknown names are refused when the rules are loaded. Each
 * placeholder is compiled to a reader of its field, so rendering looks nothing up by name.
 */
import type { FsEvent } from '../collector/types.ts';

/** What a template is rendered against. */
export interface TemplateInput {
  rule: string;
  node: string;
  event: FsEvent;
}

/** A compiled template. */
export interface Template {
  (input: TemplateInput): string;
  /** Its placeholders, in order of appearance (what a rendering depends on: see instance-ids.ts). */
  readonly fields: readonly string[];
}

/** Reads a placeholder's value from an event, before it is turned into text (undefined when absent). */
export type FieldReader = (event: FsEvent) => unknown;

const PLACEHOLDER = /\{([A-Za-z_][\w.-]*)\}/g;
/** The event's own fields; `rule` and `node` come from the rendering, `data.NAME` from event.data. */
const EVENT_FIELDS: Readonly<Record<string, FieldReader>> = {
  sources: (e) => e.sources.join(','),
  seq: (e) => e.seq,
  time: (e) => e.time,
  type: (e) => e.type,
  code: (e) => e.code,
  class: (e) => e.class,
  severity: (e) => e.severity,
  transient: (e) => e.transient,
  mountpoint: (e) => e.mountpoint,
  device: (e) => e.device,
  fstype: (e) => e.fstype,
  major: (e) => e.major,
  minor: (e) => e.minor,
  mountId: (e) => e.mountId,
  uuid: (e) => e.uuid,
  count: (e) => e.count,
};

/** Names a template may use, for error messages. */
export const templateFields = ['rule', 'node', ...Object.keys(EVENT_FIELDS), 'data.NAME'];

/** The unknown placeholders of a template (empty when it is valid). */
export function templateProblems(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => m[1]!).filter((name) => !known(name)).map((name) => `unknown placeholder {${name}} (known: ${templateFields.join(', ')})`);
}

/** Compiles a template that templateProblems accepted. */
export function compileTemplate(text: string): Template {
  const parts = text.split(PLACEHOLDER);
  // split with one capture group alternates literal, name, literal, …
  const fields = parts.filter((_, i) => i % 2 === 1);
  if (parts.length === 1) return Object.assign(() => text, { fields });
  const pieces = parts.map((part, i): ((input: TemplateInput) => string) => {
    if (i % 2 === 0) return () => part;
    if (part === 'rule') return (input) => input.rule;
    if (part === 'node') return (input) => input.node;
    const read = fieldReader(part);
    return (input) => format(read(input.event));
  });
  const render = (input: TemplateInput) => {
    let out = '';
    for (const piece of pieces) out += piece(input);
    return out;
  };
  return Object.assign(render, { fields });
}

/** The reader of a known placeholder other than `rule` and `node`. */
export function fieldReader(name: string): FieldReader {
  if (name.startsWith('data.')) {
    const key = name.slice(5);
    return (e) => e.data[key];
  }
  return EVENT_FIELDS[name]!;
}

function known(name: string): boolean {
  return name === 'rule' || name === 'node' || Object.hasOwn(EVENT_FIELDS, name) || /^data\.[\w-]+$/.test(name);
}

function format(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
