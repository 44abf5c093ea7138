/**
 * House rules that keep the tree readable (shared/STYLE.md): small files with a doc comment, no
 * circular imports, and sources that know nothing of the gatherer, the pipeline or the sinks.
 */
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const SRC = resolve('src');
const MAX_LINES = 400;

async function sourceFiles(dir = SRC): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : Promise.resolve(e.name.endsWith('.ts') ? [join(dir, e.name)] : []))));
  return nested.flat();
}

/** Relative imports of a file, resolved to absolute paths. */
async function importsOf(file: string): Promise<string[]> {
  const text = await readFile(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'(\.{1,2}\/[^']+)'/gm)].map((m) => resolve(dirname(file), m[1]!));
}

test(`every source file is under ${MAX_LINES} lines and opens with a doc comment`, async () => {
  for (const file of await sourceFiles()) {
    const text = await readFile(file, 'utf8');
    const lines = text.split('\n').length;
    assert.ok(lines <= MAX_LINES, `${relative(SRC, file)} has ${lines} lines: split it into a folder`);
    assert.ok(text.startsWith('/**'), `${relative(SRC, file)} does not open with a /** doc comment */`);
  }
});

test('there are no circular imports', async () => {
  const files = await sourceFiles();
  const graph = new Map(await Promise.all(files.map(async (f) => [f, await importsOf(f)] as const)));
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (file: string, path: string[]): void => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'visiting') assert.fail(`import cycle: ${[...path.slice(path.indexOf(file)), file].map((f) => relative(SRC, f)).join(' → ')}`);
    state.set(file, 'visiting');
    for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
    state.set(file, 'done');
  };
  for (const file of files) visit(file, []);
});

// The threshold engine is pure domain logic (levels and re-arming), not a stage or a sink.
test('sources import only the collector contracts, mount helpers, the threshold engine, utilities, errors and the native binding', async () => {
  const allowed = ['collector/types.ts', 'collector/events.ts', 'collector/mounts/', 'collector/thresholds/', 'util/', 'errors.ts', 'native/binding.ts', 'collector/sources/'];
  for (const file of (await sourceFiles()).filter((f) => f.includes('/collector/sources/'))) {
    for (const target of await importsOf(file)) {
      const rel = relative(SRC, target);
      assert.ok(allowed.some((prefix) => rel.startsWith(prefix)), `${relative(SRC, file)} imports ${rel}: sources must not know the gatherer, pipeline or sinks`);
    }
  }
});

test('nothing imports the CLI', async () => {
  for (const file of await sourceFiles()) {
    for (const target of await importsOf(file)) assert.notEqual(relative(SRC, target), 'cli.ts', `${relative(SRC, file)} imports cli.ts`);
  }
});
