/**
 * `fsevd monitor` against a real daemon process and a real loop-mounted ext4: it prints one
 * readable line per event (and, with --json, one event per line); when the daemon is killed and
 * restarted on the same address it reconnects and resumes from its cursor, so the events the
 * daemon journaled while the monitor was away are printed, each once.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, type TestContext } from 'node:test';
import type { FsEvent } from '../../src/collector/types.ts';
import { startDaemon } from '../helpers/daemon.ts';
import { loopMount, makeExt4Image, needRoot, run, tempDir, unmount, waitFor } from '../helpers/system.ts';

const BIN = fileURLToPath(new URL('../../bin/fsevd.js', import.meta.url));

/** Runs `fsevd monitor ARGS`, collecting stdout lines and stderr; killed after the test. */
function startMonitor(t: TestContext, args: string[]) {
  const child = spawn(process.execPath, [BIN, 'monitor', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill());
  const output = { lines: [] as string[], stderr: '' };
  let partial = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop()!;
    output.lines.push(...lines);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  return output;
}

test('fsevd monitor prints a loop-mounted ext4 being mounted, remounted and unmounted, across a daemon restart', async (t) => {
  if (!needRoot(t)) return;
  const dir = await tempDir(t);
  const stateDir = join(dir, 'state');
  const mountpoint = join(dir, 'ext4 disk');
  await mkdir(mountpoint);
  const image = await makeExt4Image(dir);
  const first = await startDaemon(t, stateDir);
  const listen = new URL(first.url).host;
  const filter = ['--mount', `${dir}/**`, '--type', 'MOUNT,REMOUNT', '--type', 'UMOUNT'];
  const text = startMonitor(t, ['--listen', listen, ...filter]);
  const json = startMonitor(t, ['--listen', listen, '--json', ...filter]);
  await waitFor('both monitors connected', () => (text.stderr.includes('connected') && json.stderr.includes('connected') ? true : undefined), 20_000);

  await loopMount(t, image, mountpoint);
  await waitFor('the MOUNT line', () => text.lines.find((l) => l.includes(' MOUNT ')), 20_000);
  assert.equal(await first.stop('SIGKILL'), 'SIGKILL');
  // While nothing listens: the remount to ro happens before the new daemon reads the table, so it
  // is not an event; the remount to rw and the unmount after its start are, and the monitors must
  // get them by resuming.
  await run('mount', ['-o', 'remount,ro', mountpoint]);
  const second = await startDaemon(t, stateDir, ['--listen', listen]);
  await run('mount', ['-o', 'remount,rw', mountpoint]);
  const ours = async () => (await second.events(0)).filter((e) => e.mountpoint === mountpoint);
  await waitFor('REMOUNT in the journal', async () => ((await ours()).some((e) => e.type === 'REMOUNT') ? true : undefined));
  await unmount(mountpoint);
  const journal = await waitFor('UMOUNT in the journal', async () => {
    const events = await ours();
    return events.some((e) => e.type === 'UMOUNT') ? events : undefined;
  });
  await waitFor('the UMOUNT line', () => text.lines.find((l) => l.includes(' UMOUNT ')), 20_000);
  await waitFor('the UMOUNT JSON line', () => json.lines.find((l) => l.includes('"UMOUNT"')), 20_000);

  assert.deepEqual(journal.map((e) => e.type), ['MOUNT', 'REMOUNT', 'UMOUNT']);
  assert.match(text.stderr, /resuming after seq \d+/);
  assert.equal(text.lines.length, journal.length, `one line per event:\n${text.lines.join('\n')}`);
  journal.forEach((event, i) => {
    const line = text.lines[i]!;
    assert.ok(line.startsWith(`${event.time} [${event.seq}] `), line);
    assert.ok(line.includes(` ${event.type} ${JSON.stringify(mountpoint)} (ext4 ${event.device})`), line);
  });
  const printed = json.lines.map((l) => JSON.parse(l) as FsEvent);
  assert.deepEqual(printed.map((e) => [e.seq, e.type, e.mountpoint]), journal.map((e) => [e.seq, e.type, e.mountpoint]));
});
