/**
 * Pending actions survive a daemon restart, through a real daemon (bin/fsevd.js) fed by
 * POST /api/v1/events: with one action at a time and a slow hook, a stop (SIGTERM) lets the
 * running hook finish and leaves the queued ones journaled; the next start runs each of them once.
 * After a SIGKILL during a hook, the interrupted run is not repeated (exec is not idempotent) and
 * is reported; the queued ones run once.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { DaemonProcess } from '../helpers/daemon.ts';
import { tempDir, waitFor } from '../helpers/system.ts';
import { ADMIN_TOKEN, startConfiguredDaemon } from '../helpers/thresholds.ts';

/** Mount points every Linux system has, so that the three events are three faults (not folded). */
const MOUNTS = ['/', '/proc', '/sys'];

async function setup(t: TestContext): Promise<{ dir: string; log: string; start: () => Promise<DaemonProcess> }> {
  const dir = await tempDir(t);
  const log = join(dir, 'hook.log');
  const rules = join(dir, 'rules.yaml');
  // One line when the hook starts and one when it ends, tagged with the event's seq.
  const script = `echo "$FSEVD_SEQ start" >> ${log}; sleep 2; echo "$FSEVD_SEQ end" >> ${log}`;
  await writeFile(rules, JSON.stringify({ rules: [{ name: 'slow', match: { types: ['FS_ERROR'] }, key: '{seq}', actions: [{ type: 'exec', argv: ['/bin/sh', '-c', script] }] }] }));
  const start = () => startConfiguredDaemon(t, dir, { rules: { file: rules, concurrency: 1 } });
  return { dir, log, start };
}

async function inject(daemon: DaemonProcess): Promise<number[]> {
  const body = MOUNTS.map((mountpoint) => ({ type: 'FS_ERROR', mountpoint, data: { errno: 5 } }));
  const response = await fetch(`${daemon.url}/api/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.ok(response.ok, `inject: ${response.status}`);
  const { seqs } = (await response.json()) as { seqs: Array<number | null> };
  assert.ok(seqs.every((s) => s !== null), `three separate events: ${JSON.stringify(seqs)}`);
  return seqs as number[];
}

const lines = async (log: string) => (existsSync(log) ? (await readFile(log, 'utf8')).trim().split('\n') : []);
const count = (all: string[], line: string) => all.filter((l) => l === line).length;

test('SIGTERM during a hook: it finishes, the queued ones run once after the restart', async (t) => {
  const { log, start } = await setup(t);
  const first = await start();
  const seqs = await inject(first);
  await waitFor('the first hook to start', async () => ((await lines(log)).length > 0 ? true : undefined));
  assert.equal(await first.stop('SIGTERM'), 0);
  const afterStop = await lines(log);
  const ranBefore = seqs.filter((s) => afterStop.includes(`${s} start`));
  assert.ok(ranBefore.every((s) => afterStop.includes(`${s} end`)), 'the running hook finished before the daemon exited');
  assert.ok(ranBefore.length < seqs.length, 'some hooks were still queued at the stop');
  const second = await start();
  await waitFor('every hook to end', async () => ((await lines(log)).length === 6 ? true : undefined), 20_000);
  const all = await lines(log);
  for (const seq of seqs) assert.deepEqual([count(all, `${seq} start`), count(all, `${seq} end`)], [1, 1], `seq ${seq} ran once`);
  const status = await second.get<{ pending: unknown[] }>('/api/v1/rules');
  assert.deepEqual(status.pending, []);
});

test('SIGKILL during a hook: the interrupted run is reported, not repeated; the queued ones run once', async (t) => {
  const { log, start } = await setup(t);
  const first = await start();
  const seqs = await inject(first);
  await waitFor('the first hook to start', async () => ((await lines(log)).length > 0 ? true : undefined));
  await first.stop('SIGKILL');
  // On a loaded machine the first hook may have ended before the kill: the interrupted one is the last started.
  const atKill = await lines(log);
  const interrupted = seqs.filter((s) => atKill.includes(`${s} start`)).at(-1)!;
  const second = await start();
  await waitFor('every hook to end', async () => {
    const all = await lines(log);
    return seqs.every((s) => all.includes(`${s} end`)) ? true : undefined;
  }, 20_000).catch((err: Error) => {
    throw new Error(`${err.message}: ${JSON.stringify(second.logs.filter((l) => l.component === 'rules').slice(-5))}`);
  });
  const all = await lines(log);
  for (const seq of seqs) assert.equal(count(all, `${seq} start`), 1, `seq ${seq} started once`);
  const status = await second.get<{ recent: Array<{ outcome: string; key: string }> }>('/api/v1/rules');
  assert.deepEqual(status.recent.filter((r) => r.outcome === 'dropped').map((r) => r.key), [String(interrupted)]);
  assert.ok(second.logs.some((l) => String(l.msg).startsWith('Pending action not run') && /not idempotent/.test(String(l.msg))));
});
