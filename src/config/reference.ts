/**
 * @module config/reference
 * Renders the configuration reference (Markdown) from the schema, and the event reference from
 * the registry, so the documentation cannot drift from the code (test/docs.test.ts checks the
 * committed copies).
 */
import type { TSchema } from '@sinclair/typebox';
import { eventRegistry, eventTypes } from '../collector/events.ts';
import { errorCodes } from '../errors.ts';
import { configSchema } from './schema.ts';

interface Row {
  key: string;
  type: string;
  defaultValue: string;
  description: string;
}

/** The configuration reference as a Markdown table. */
export function renderConfigReference(): string {
  const rows: Row[] = [];
  collect(configSchema, '', rows);
  const lines = ['| key | type | default | meaning |', '| --- | --- | --- | --- |'];
  for (const row of rows) lines.push(`| \`${row.key}\` | ${row.type} | ${row.defaultValue} | ${escapeCell(row.description)} |`);
  return lines.join('\n');
}

/** The event reference as a Markdown table. */
export function renderEventReference(): string {
  const lines = ['| code | type | class | default severity | transient | meaning |', '| --- | --- | --- | --- | --- | --- |'];
  for (const type of eventTypes) {
    const spec = eventRegistry[type];
    lines.push(`| ${spec.code} | \`${type}\` | ${spec.class} | ${spec.severity} | ${spec.transient ? 'yes' : 'no'} | ${escapeCell(spec.description)} |`);
  }
  return lines.join('\n');
}

/** The error catalog as Markdown (docs/errors.md). */
export function renderErrorReference(): string {
  const lines = ['# fsevd error codes', '', '<!-- Generated from src/errors.ts by `npm run docs`; do not edit. -->', '', '| code | meaning |', '| --- | --- |'];
  for (const [code, meaning] of Object.entries(errorCodes)) lines.push(`| \`${code}\` | ${escapeCell(meaning)} |`);
  return `${lines.join('\n')}\n`;
}

function collect(schema: TSchema, prefix: string, rows: Row[]): void {
  const properties = (schema as { properties?: Record<string, TSchema> }).properties;
  if (!properties) return;
  for (const [name, child] of Object.entries(properties)) {
    const key = prefix ? `${prefix}.${name}` : name;
    if ((child as { properties?: unknown }).properties) {
      collect(child, key, rows);
      continue;
    }
    rows.push({ key, type: typeOf(child), defaultValue: 'default' in child ? `\`${JSON.stringify(child.default)}\`` : '(computed)', description: String(child.description ?? '') });
  }
}

function typeOf(schema: TSchema): string {
  const anyOf = (schema as { anyOf?: TSchema[] }).anyOf;
  if (anyOf) return anyOf.map((s) => ('const' in s ? `\`${String(s.const)}\`` : typeOf(s))).join(' \\| ');
  return String((schema as { type?: string }).type ?? 'any');
}

function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}
