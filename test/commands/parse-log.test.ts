/**
 * `fsevd parse-log` as a user runs it (the real CLI in a child process) on logs saved on this
 * machine: the same records saved as /dev/kmsg records, dmesg -r, dmesg -x and plain dmesg yield
 * the same events; --json prints API-shaped events; standard input works; mistakes are refused.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import type { FsEvent } from '../../src/collector/types.ts';

const BIN = fileURLToPath(new URL('../../bin/fsevd.js', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/kmsg/${name}`, import.meta.url));

function cli(args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, 'parse-log', ...args], { encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    child.stdin!.end(stdin ?? '');
  });
}

async function events(args: string[], stdin?: string): Promise<FsEvent[]> {
  const { code, stdout, stderr } = await cli(['--json', ...args], stdin);
  assert.equal(code, 0, stderr);
  return stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as FsEvent);
}

const summary = (list: FsEvent[]) => list.map((e) => `${e.type} ${(e.data.unresolvedMount as { deviceName?: string }).deviceName} ×${e.count}${e.data.incident ? ' follow-up' : ''}`);

test('the same capture as kmsg records, dmesg -r, dmesg -x and plain dmesg yields the same events', async () => {
  const kmsg = summary(await events([fixture('captured-6.18.kmsg'), '--window', '1000']));
  assert.ok(kmsg.length >= 10, kmsg.join('\n'));
  assert.ok(kmsg.includes('ERR_REMOUNT_RO loop1 ×1') && kmsg.includes('FS_SHUTDOWN loop1 ×1'));
  for (const name of ['captured-6.18.dmesg-r.txt', 'captured-6.18.dmesg-x.txt', 'captured-6.18.dmesg.txt']) {
    assert.deepEqual(summary(await events([fixture(name), '--window', '1000'])), kmsg, name);
  }
});

test('--no-correlate prints one event per fault line; events are shaped like the API\'s', async () => {
  const list = await events([fixture('captured-6.18.kmsg'), '--no-correlate']);
  assert.equal(list.length, 20);
  assert.ok(list.every((e) => e.count === 1 && e.data.incident === undefined));
  const first = list[0]!;
  assert.deepEqual([first.seq, first.type, first.code, first.class, first.sources], [1, 'FS_ERROR', 9, 'error', ['kmsg']]);
  assert.equal(first.data.kernelTime, 1643.957149);
  assert.equal(first.time, new Date(1643957.149).toISOString(), 'seconds since boot count from 1970 without --boot-time');
  const booted = await events([fixture('captured-6.18.kmsg'), '--no-correlate', '--boot-time', '2026-11-23T02:00:00Z']);
  assert.equal(booted[0]!.time, new Date(Date.parse('2026-11-23T02:00:00Z') + 1643957.149).toISOString());
});

test('standard input, journalctl lines with a host, and one line per event in text', async () => {
  const journal = [
    'Nov 23 02:37:29 node7 kernel: XFS (sdb1): User initiated shutdown received.',
    'Nov 23 02:37:30 node7 kernel: nfs: server filer01 not responding, still trying',
    'Nov 23 02:37:31 node7 sshd[12]: EXT4-fs error (device sda1): not from the kernel',
    '-- Boot 1234 --',
  ].join('\n');
  const list = await events(['-', '--year', '2026'], journal);
  assert.deepEqual(list.map((e) => [e.type, e.node]), [['FS_SHUTDOWN', 'node7'], ['FS_UNAVAILABLE', 'node7']]);
  assert.equal(list[0]!.time, new Date(2026, 10, 23, 2, 37, 29).toISOString());
  const text = await cli([], journal);
  assert.equal(text.code, 0);
  assert.equal(text.stdout.trim().split('\n').length, 2);
  assert.match(text.stdout, /FS_UNAVAILABLE {2}error {2}filer01 {2}count=1 {2}nfs: server filer01/);
  assert.match(text.stderr, /2 of 4 lines are in no known log format/);
});

test('the ring of this machine: dict lines are part of their records', async () => {
  const { stderr, code } = await cli([fixture('ring-6.18.kmsg')]);
  assert.equal(code, 0);
  assert.equal(stderr, '', 'every line is recognised');
  assert.ok((await readFile(fixture('ring-6.18.kmsg'), 'utf8')).includes('\n SUBSYSTEM='));
});

test('mistakes are refused with a reason and exit status 2', async () => {
  const missing = await cli(['/nonexistent/kern.log']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^fsevd: Cannot read \/nonexistent\/kern\.log: ENOENT/);
  assert.equal((await cli(['a', 'b'])).code, 2);
  assert.equal((await cli(['--window', 'soon'])).code, 2);
  assert.equal((await cli(['--boot-time', 'yesterday'])).code, 2);
  assert.equal((await cli(['--bogus'])).code, 2);
  const help = await cli(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: fsevd parse-log \[FILE\|-\]/);
});
