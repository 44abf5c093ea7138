/**
 * fsevd_native createStatfsPool(): submit() takes a path as raw bytes (a Buffer, so a directory
 * whose name is not UTF-8 is reached as it is) or as a UTF-8 string, and refuses an empty path, one
 * with a NUL byte, or anything else with a TypeError. Needs no root (a directory in a temp dir).
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { test } from 'node:test';
import { loadNative, type StatfsPool } from '../../src/native/binding.ts';
import { tempDir, waitFor } from '../helpers/system.ts';

const loaded = loadNative();
const createStatfsPool = loaded.ok ? loaded.native.createStatfsPool : undefined;
const skip = !createStatfsPool ? `fsevd_native without createStatfsPool: ${loaded.ok ? 'stale build' : loaded.reason}` : false;

test('submit() reaches a non-UTF-8 directory through its bytes and refuses bad paths', { skip }, async (t) => {
  const dir = await tempDir(t);
  const raw = Buffer.concat([Buffer.from(`${dir}/odd-`), Buffer.of(0xff, 0xfe)]);
  await mkdir(raw);
  const answers = new Map<number, number>();
  const pool: StatfsPool = createStatfsPool!(1, (id, errno) => void answers.set(id, errno));
  t.after(() => pool.close());

  assert.equal(pool.submit(1, raw), true);
  assert.equal(pool.submit(2, raw.toString('utf8') as unknown as Buffer), true, 'a string is taken as UTF-8');
  assert.equal(pool.submit(3, dir as unknown as Buffer), true);
  await waitFor('three answers', () => (answers.size === 3 ? true : undefined));
  assert.equal(answers.get(1), 0, 'the bytes reach the directory');
  assert.equal(answers.get(2), 2, 'its UTF-8 decoding (U+FFFD) names no directory: ENOENT');
  assert.equal(answers.get(3), 0);

  assert.throws(() => pool.submit(4, Buffer.alloc(0)), TypeError);
  assert.throws(() => pool.submit(4, Buffer.from('/tmp\0/x')), TypeError);
  assert.throws(() => pool.submit(4, '/tmp\0/x' as unknown as Buffer), TypeError);
  assert.throws(() => pool.submit(4, 42 as unknown as Buffer), TypeError);
});

test('submitBatch() queues every path at once and answers each; a bad element queues nothing', { skip }, async (t) => {
  const dir = await tempDir(t);
  const answers = new Map<number, number>();
  const pool: StatfsPool = createStatfsPool!(2, (id, errno) => void answers.set(id, errno));
  t.after(() => pool.close());

  assert.equal(pool.submitBatch([1, 2, 3], [Buffer.from(dir), Buffer.from(`${dir}/missing`), Buffer.from('/')]), true);
  await waitFor('three answers', () => (answers.size === 3 ? true : undefined));
  assert.deepEqual([answers.get(1), answers.get(2), answers.get(3)], [0, 2, 0], 'ENOENT for the missing one only');
  assert.equal(pool.submitBatch([], []), true);

  assert.throws(() => pool.submitBatch([4, 5], [Buffer.from(dir)]), TypeError);
  assert.throws(() => pool.submitBatch([4, 5], [Buffer.from(dir), Buffer.alloc(0)]), TypeError);
  assert.throws(() => pool.submitBatch(['x' as unknown as number], [Buffer.from(dir)]), TypeError);
  assert.equal(pool.submit(6, Buffer.from(dir)), true);
  await waitFor('the next answer', () => (answers.has(6) ? true : undefined));
  assert.equal(answers.has(4) || answers.has(5), false, 'nothing of a refused batch ran');
  pool.close();
  assert.equal(pool.submitBatch([7], [Buffer.from(dir)]), false, 'closed');
});
