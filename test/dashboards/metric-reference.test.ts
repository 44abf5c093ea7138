/**
 * The README's metric table (section "Prometheus metrics, dashboard and alerts") names every
 * fsevd_ family the daemon defines, and only those, so the reference cannot drift from the code.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { definedFamilies } from './promtool.ts';

test('the README lists exactly the fsevd_ metric families', async () => {
  const readme = await readFile('README.md', 'utf8');
  const start = readme.indexOf('## Prometheus metrics, dashboard and alerts');
  assert.ok(start >= 0, 'README has the metrics section');
  const end = readme.indexOf('\n## ', start + 1);
  const table = readme.slice(start, end).split('\n').filter((line) => line.startsWith('| `fsevd_'));
  const listed = new Set(table.flatMap((line) => [...line.split('|')[1]!.matchAll(/`(fsevd_[a-z_]+)`/g)].map((m) => m[1]!)));
  const defined = new Set([...(await definedFamilies()).keys()].filter((name) => name.startsWith('fsevd_')));
  assert.deepEqual([...listed].sort(), [...defined].sort());
});
