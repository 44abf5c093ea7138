import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { generatedDocs } from '../scripts/generated-docs.ts';
import { errorCodes } from '../src/errors.ts';

test('generated documentation is up to date (run `npm run docs` to refresh)', async () => {
  for (const [path, render] of Object.entries(generatedDocs)) {
    const current = await readFile(path, 'utf8');
    assert.equal(current, render(current), `${path} is stale: run npm run docs`);
  }
});

test('docs/errors.md lists every error code, and only those', async () => {
  const listed = [...(await readFile('docs/errors.md', 'utf8')).matchAll(/`(FSEVD_E_[A-Z_]+)`/g)].map((m) => m[1]);
  assert.deepEqual(new Set(listed), new Set(Object.keys(errorCodes)));
});

test('every error code the sources use is in the catalog', async () => {
  const { execFileSync } = await import('node:child_process');
  const used = execFileSync('grep', ['-rhoE', 'FSEVD_E_[A-Z_]+', 'src'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const code of new Set(used)) assert.ok(code in errorCodes, `${code} is used but not in src/errors.ts`);
});
