/**
 * What the generated documentation files should contain, as functions of their current text.
 * Used by scripts/gen-docs.ts (writes) and test/docs.test.ts (checks).
 */
import { renderConfigReference, renderErrorReference, renderEventReference } from '../src/config/reference.ts';
import { renderKmsgCatalog } from '../src/collector/sources/kmsg/catalog/reference.ts';

/** Replaces the text between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`. */
export function fillSection(text: string, name: string, body: string): string {
  const open = `<!-- generated:${name} -->`;
  const close = `<!-- /generated:${name} -->`;
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  if (start < 0 || end < start) throw new Error(`README.md lacks the markers ${open} ... ${close}`);
  return `${text.slice(0, start + open.length)}\n${body}\n${text.slice(end)}`;
}

/** Path → renderer of its full expected text. */
export const generatedDocs: Record<string, (current: string) => string> = {
  'README.md': (text) => fillSection(fillSection(text, 'config', renderConfigReference()), 'events', renderEventReference()),
  'docs/errors.md': () => renderErrorReference(),
  'docs/sources/kmsg.md': () => renderKmsgCatalog(),
};
