/**
 * `fsevd rules check` over every example in examples/rules/ (so the examples never rot) and over a
 * bad file (exit 2, every problem on stderr); `fsevd rules test` as a dry run that executes nothing.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { tempDir } from '../helpers/system.ts';

const BIN = fileURLToPath(new URL('../../bin/fsevd.js', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../examples/rules/', import.meta.url));

async function fsevd(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { encoding: 'utf8' });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('every example rules file passes rules check', async () => {
  const files = (await readdir(EXAMPLES)).filter((f) => /\.ya?ml$|\.json$/.test(f)).map((f) => join(EXAMPLES, f));
  assert.ok(files.some((f) => f.endsWith('exec.yaml')) && files.some((f) => f.endsWith('webhook.yaml')));
  const result = await fsevd(['rules', 'check', ...files]);
  assert.equal(result.code, 0, result.stderr);
  for (const file of files) assert.match(result.stdout, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: OK`));
});

test('a bad file exits 2 with every problem', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'bad.yaml');
  await writeFile(file, 'rules:\n  - name: x\n    match: { types: [FS_EROR] }\n    actions: [{ type: exec, argv: [], timeout: soon }]\n');
  const result = await fsevd(['rules', 'check', file]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /rule "x" \(#1\) \/match\/types\/0/);
  assert.match(result.stderr, /rule "x" \(#1\) \/actions\/0\/argv/);
  assert.match(result.stderr, /rule "x" \(#1\) \/actions\/0\/timeout: must be a duration/);
});

test('rules test names the matching rules, the phase and what would run, and runs nothing', async (t) => {
  const dir = await tempDir(t);
  const marker = join(dir, 'ran');
  const file = join(dir, 'rules.yaml');
  await writeFile(file, `rules:
  - name: gone
    match: { types: [FS_UNAVAILABLE], mounts: ['/scratch/**'] }
    for: 30s
    resolve: { types: [FS_AVAILABLE] }
    actions: [{ type: exec, argv: [/usr/bin/touch, ${marker}], undoArgv: [/usr/bin/touch, ${marker}] }]
`);
  const result = await fsevd(['rules', 'test', file, '--node', 'c1', '--event', '{"type":"FS_UNAVAILABLE","mountpoint":"/scratch"}', '--event', '{"type":"FS_AVAILABLE","mountpoint":"/scratch"}', '--event', '{"type":"MOUNT","mountpoint":"/"}']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /rule gone: matches → fire .*after 30 s/);
  assert.match(result.stdout, /key "gone\/c1\/\/scratch"/);
  assert.match(result.stdout, /exec: skipped: dry run: would run \["\/usr\/bin\/touch"/);
  assert.match(result.stdout, /rule gone: resolves → undo/);
  assert.match(result.stdout, /event MOUNT \/ .*\n  no rule matches/);
  assert.equal(existsSync(marker), false);
  const bad = await fsevd(['rules', 'test', file, '--event', '{"type":"NOPE"}']);
  assert.equal(bad.code, 2);
});
