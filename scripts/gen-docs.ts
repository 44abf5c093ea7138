/**
 * Regenerates the generated parts of the documentation: the README's configuration and event
 * references (between `<!-- generated:NAME -->` markers) and docs/errors.md.
 * Run: npm run docs
 */
import { readFile, writeFile } from 'node:fs/promises';
import { generatedDocs } from './generated-docs.ts';

for (const [path, render] of Object.entries(generatedDocs)) {
  const current = await readFile(path, 'utf8').catch(() => '');
  const next = render(current);
  if (next !== current) {
    await writeFile(path, next);
    process.stdout.write(`updated ${path}\n`);
  }
}
