/**
 * fsevd_native openKmsg(): the /dev/kmsg reader thread, on the real /dev/kmsg. Records are
 * written from user space (root may write /dev/kmsg), so they arrive with facility 1 and never
 * concern a filesystem; each write opens the device anew, which keeps it under the per-open
 * ratelimit of printk_devkmsg=ratelimit.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { loadNative, type KmsgReader } from '../../src/native/binding.ts';
import { isRoot, waitFor } from '../helpers/system.ts';

const loaded = loadNative();
const openKmsg = loaded.ok ? loaded.native.openKmsg?.bind(loaded.native) : undefined;
const skip = !openKmsg ? 'fsevd_native has no openKmsg (not built)' : !isRoot ? 'needs root: writes records into /dev/kmsg' : false;

function collect(fromEnd: boolean): { reader: KmsgReader; text: () => string; calls: () => number } {
  let text = '';
  let calls = 0;
  const reader = openKmsg!('/dev/kmsg', fromEnd, (batch, _overruns, errno) => {
    calls += 1;
    assert.equal(errno, 0);
    if (batch) text += batch;
  });
  return { reader, text: () => text, calls: () => calls };
}

test('records written after opening at the end arrive whole, in order, with their header', { skip }, async (t) => {
  const { reader, text } = collect(true);
  t.after(() => reader.close());
  const tag = randomUUID();
  for (let i = 0; i < 3; i++) writeFileSync('/dev/kmsg', `<6>fsevd-kmsg-test ${tag} ${i}\n`);
  await waitFor('three records', () => ((text().match(new RegExp(tag, 'g')) ?? []).length === 3 ? true : undefined));
  const ours = text().split('\n').filter((line) => line.includes(tag));
  assert.deepEqual(ours.map((line) => line.slice(line.indexOf(';') + 1)), [0, 1, 2].map((i) => `fsevd-kmsg-test ${tag} ${i}`));
  for (const line of ours) assert.match(line, /^14,\d+,\d+,[-c][^;]*;/, 'user-space facility 1, level 6');
  const seqs = ours.map((line) => Number(line.split(',')[1]));
  assert.ok(seqs[0]! < seqs[1]! && seqs[1]! < seqs[2]!);
  assert.ok(!text().includes('Linux version'), 'the backlog was skipped');
});

test('a burst written by another process while the loop is idle arrives complete and in order (the loop and the thread both read)', { skip }, async (t) => {
  const { reader, text } = collect(true);
  t.after(() => reader.close());
  const tag = randomUUID();
  const count = 300; // several times MAIN_READ_BUDGET: the event loop reads a slice, the thread the rest
  const writer = spawn('sh', ['-c', `i=0; while [ $i -lt ${count} ]; do echo "<6>fsevd-kmsg-test ${tag} $i" > /dev/kmsg; i=$((i+1)); done`], { stdio: 'ignore' });
  await once(writer, 'exit');
  await waitFor('every record', () => ((text().match(new RegExp(tag, 'g')) ?? []).length >= count ? true : undefined));
  const ours = text().split('\n').filter((line) => line.includes(tag));
  assert.deepEqual(ours.map((line) => Number(line.slice(line.lastIndexOf(' ') + 1))), [...Array(count).keys()]);
  const seqs = ours.map((line) => Number(line.split(',')[1]));
  assert.ok(seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]!), 'sequence numbers only grow');
});

test('opened at the start, the reader gets the ring from its oldest record', { skip }, async (t) => {
  const { reader, text } = collect(false);
  t.after(() => reader.close());
  const tag = randomUUID();
  writeFileSync('/dev/kmsg', `<6>fsevd-kmsg-test ${tag}\n`);
  await waitFor('our record', () => (text().includes(tag) ? true : undefined));
  const first = Number(text().split(',')[1]);
  const ours = Number(text().split('\n').find((line) => line.includes(tag))!.split(',')[1]);
  assert.ok(first < ours, `the first record (${first}) is older than ours (${ours})`);
});

test('close() is idempotent and nothing is delivered after it returns', { skip }, async () => {
  const { reader, calls } = collect(true);
  reader.close();
  reader.close();
  const before = calls();
  writeFileSync('/dev/kmsg', `<6>fsevd-kmsg-test after close ${randomUUID()}\n`);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(calls(), before);
});

test('a missing device is a Node-style error; bad arguments are TypeErrors', { skip: !openKmsg && 'fsevd_native has no openKmsg' }, () => {
  assert.throws(() => openKmsg!('/nonexistent/kmsg', true, () => undefined), (err: NodeJS.ErrnoException) => err.code === 'ENOENT' && err.syscall === 'open');
  assert.throws(() => openKmsg!('/dev/kmsg', 'yes' as unknown as boolean, () => undefined), TypeError);
  assert.throws(() => openKmsg!('/dev/kmsg', true, 5 as unknown as () => void), TypeError);
  assert.throws(() => openKmsg!('/dev/kmsg\0x', true, () => undefined), TypeError);
});
