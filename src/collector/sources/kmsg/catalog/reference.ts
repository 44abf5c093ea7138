/**
 * @module collector/sources/kmsg/catalog/reference
 * Renders docs/sources/kmsg.md from the catalog, so the documented messages are exactly the ones
 * matched (scripts/generated-docs.ts writes it; test/docs.test.ts fails when it is stale).
 */
import { catalog } from './index.ts';

const LEVELS = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];

/** The whole text of docs/sources/kmsg.md. */
export function renderKmsgCatalog(): string {
  const rows = catalog.map((entry) => {
    const fields = [...entry.pattern.source.matchAll(/\(\?<(\w+)>/g)].map((m) => m[1]!.replace(/Hex$/, ''));
    const event = entry.typeByErrno ? `${entry.type} (${Object.entries(entry.typeByErrno).map(([errno, type]) => `${type} if errno ${errno}`).join(', ')})` : entry.type;
    const notes = [entry.description, entry.maxLevel !== undefined ? `only at level ${LEVELS[entry.maxLevel]} or above` : '', entry.severity ? `severity ${entry.severity}` : '', entry.fstype ? `concerns ${entry.fstype} mounts` : '']
      .filter(Boolean)
      .join('; ');
    return `| \`${entry.id}\` | ${event} | ${[...new Set(fields)].map((f) => `\`${f}\``).join(' ') || '–'} | ${notes.replaceAll('|', '\\|')} |`;
  });
  return `# Kernel log source (\`sources.kmsg\`)

<!-- Generated from src/collector/sources/kmsg/catalog/ by \`npm run docs\`: do not edit. -->

The messages fsevd recognises in the kernel log, one row per catalog entry, in matching order
(the first entry that matches a line wins). Records written from user space (facility other than
kern) never match. Fields are the named groups of the entry's pattern: \`device\`, \`disk\`,
\`journalDevice\`, \`bdev\`, \`server\`, \`fsname\` and \`target\` say which mount the event
concerns; the others go to the event's \`data\` (numbers as numbers, \`…Hex\` fields decoded).
Every event from this source also carries \`data.pattern\` (the id below), \`data.text\` (the
line), \`data.level\`, \`data.kernelTime\` (seconds since boot) and \`data.kmsgSeq\`.

| id | event | fields | notes |
| --- | --- | --- | --- |
${rows.join('\n')}
`;
}
