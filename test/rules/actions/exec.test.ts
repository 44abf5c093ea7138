/**
 * The exec action for real (/bin/sh hooks): the event reaches the hook intact on stdin and in
 * FSEVD_* variables, shell metacharacters, quotes, newlines and non-UTF-8 bytes included, and none
 * of it is ever executed; a hook that hangs is killed at its timeout with its children; exit 75
 * asks for a retry; dry run and a missing undo command run nothing.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { exec } from '../../../src/rules/actions/exec.ts';
import { tempDir, waitFor } from '../../helpers/system.ts';
import { request } from './request.ts';

const context = { log: pino({ level: 'silent' }), now: Date.now };
const create = (settings: Record<string, unknown>) => exec.create({ timeout: '10s', killGrace: '2s', env: {}, idempotent: false, ...settings } as never, context);

test('event fields with metacharacters, quotes, newlines and non-UTF-8 bytes arrive intact and are never executed', async (t) => {
  const dir = await tempDir(t);
  const marker = join(dir, 'pwned');
  const mountpoint = `/mnt/$(touch ${marker});\`touch ${marker}\` "q" 'q' \\ \n|&>x \udcff\udc80 end`;
  const hook = create({ argv: ['/bin/sh', '-c', `cat > ${dir}/stdin.json; env > ${dir}/env.txt; printf %s "$FSEVD_MOUNTPOINT" > ${dir}/quoted.txt`] });
  const base = request('fire', 'node1');
  const event = { ...base.event, mountpoint, device: '$(id)', data: { reason: "a'b\"c\nd", nested: { x: '`y`' } } };
  const result = await hook.run({ ...base, event, reason: `$(touch ${marker})` });
  assert.equal(result.outcome, 'done', result.detail);
  assert.deepEqual(JSON.parse(await readFile(join(dir, 'stdin.json'), 'utf8')), event, 'stdin is the exact event, lone surrogates included');
  const env = await readFile(join(dir, 'env.txt'), 'utf8');
  assert.ok(env.includes('FSEVD_DEVICE=$(id)\n'));
  assert.ok(env.includes('FSEVD_PHASE=fire\n'));
  assert.ok(env.includes('FSEVD_NODE=node1\n'));
  assert.ok(env.includes(`FSEVD_REASON=$(touch ${marker})\n`));
  const expected = mountpoint.replace('\udcff\udc80', '\\xff\\x80');
  assert.equal(await readFile(join(dir, 'quoted.txt'), 'utf8'), expected, 'non-UTF-8 bytes become \\xNN text in the environment');
  assert.equal(existsSync(marker), false, 'no field was executed');
});

test('a hook that hangs is killed at its timeout, its children too', async (t) => {
  const dir = await tempDir(t);
  const pids = join(dir, 'pids');
  const hook = create({ argv: ['/bin/sh', '-c', `trap '' TERM; sleep 300 & sleep 300 & echo $$ $! > ${pids}; wait`], timeout: '300ms', killGrace: '200ms' });
  const result = await hook.run(request('fire', 'node1'));
  assert.equal(result.outcome, 'failed');
  assert.equal(result.timedOut, true);
  assert.match(result.detail, /killed after 300 ms/);
  const recorded = (await readFile(pids, 'utf8')).trim().split(' ').map(Number);
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (const pid of recorded) await waitFor(`pid ${pid} to be gone`, () => (alive(pid) ? undefined : true));
});

test('exit 75 is a retryable failure, other statuses are not; stderr is in the detail', async () => {
  const retry = await create({ argv: ['/bin/sh', '-c', 'echo busy >&2; exit 75'] }).run(request('fire', 'n'));
  assert.deepEqual([retry.outcome, retry.retryable], ['failed', true]);
  assert.match(retry.detail, /exited 75: busy/);
  const fail = await create({ argv: ['/bin/sh', '-c', 'exit 2'] }).run(request('fire', 'n'));
  assert.deepEqual([fail.outcome, fail.retryable], ['failed', false]);
  const missing = await create({ argv: ['/nonexistent/hook'] }).run(request('fire', 'n'));
  assert.match(missing.detail, /cannot start/);
});

test('dry run and an undo without undoArgv run nothing; undoArgv runs with FSEVD_PHASE=undo', async (t) => {
  const dir = await tempDir(t);
  const out = join(dir, 'phase');
  const hook = create({ argv: ['/bin/sh', '-c', `echo fire > ${out}`], undoArgv: ['/bin/sh', '-c', `printf %s "$FSEVD_PHASE" > ${out}`] });
  const dry = await hook.run(request('fire', 'n', { dryRun: true }));
  assert.equal(dry.outcome, 'skipped');
  assert.match(dry.detail, /dry run: would run/);
  assert.equal(existsSync(out), false);
  assert.equal((await hook.run(request('undo', 'n'))).outcome, 'done');
  assert.equal(await readFile(out, 'utf8'), 'undo');
  const fireOnly = create({ argv: ['/bin/true'] });
  assert.equal(fireOnly.undoable, false);
  assert.equal((await fireOnly.run(request('undo', 'n'))).outcome, 'skipped');
});
