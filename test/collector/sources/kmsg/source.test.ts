/**
 * The kmsg source on the real /dev/kmsg, in-process with a fake context: user-space records are
 * read but never become events (so writing /dev/kmsg cannot forge a filesystem error), the
 * position is saved with the boot id and a restart on the same boot resumes after it, and a start
 * after another boot reads the ring, counting what it no longer holds as lost.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Value } from '@sinclair/typebox/value';
import { configSchema, create } from '../../../../src/collector/sources/kmsg/index.ts';
import { loadNative } from '../../../../src/native/binding.ts';
import { fakeContext, type FakeContext } from '../../../helpers/fake-context.ts';
import { isRoot, tempDir, waitFor } from '../../../helpers/system.ts';

const loaded = loadNative();
const skip = !(loaded.ok && loaded.native.openKmsg) ? 'fsevd_native has no openKmsg (not built)' : !isRoot ? 'needs root: writes records into /dev/kmsg' : false;
const bootId = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();

async function startSource(t: TestContext, stateDir: string, overrides: Record<string, unknown> = {}): Promise<{ fake: FakeContext; stop: () => Promise<void> }> {
  const source = create(Value.Default(configSchema, { cursorIntervalMs: 100, ...overrides }) as never);
  const fake = fakeContext([], { stateDir });
  fake.ctx.now = Date.now;
  await source.start(fake.ctx);
  t.after(() => source.stop());
  return { fake, stop: () => source.stop() };
}

function writeRecord(text: string): void {
  // A fresh open per write keeps under printk_devkmsg=ratelimit's per-open budget.
  void writeFile('/dev/kmsg', `${text}\n`);
}

const detail = (fake: FakeContext) => fake.health.detail as Record<string, number | string>;

test('a forged "EXT4-fs error" written from user space is read and ignored', { skip }, async (t) => {
  const { fake } = await startSource(t, await tempDir(t));
  assert.equal(detail(fake).start, 'end of ring', 'a first start does not replay the ring');
  await waitFor('the backlog to be read', () => (Number(detail(fake)?.history) > 0 ? true : undefined));
  assert.deepEqual(fake.emitted, [], 'the backlog is history: the ring holds earlier tests\' ext4 errors');
  const tag = randomUUID();
  writeRecord(`<2>EXT4-fs error (device loop0): trigger_test_error:129: comm bash: forged ${tag}`);
  await waitFor('the record to be read', () => (Number(detail(fake)?.userRecords) >= 1 ? true : undefined));
  assert.deepEqual(fake.emitted, []);
  assert.equal(fake.lost, 0);
});

test('the position is saved with the boot id and a restart resumes right after it', { skip }, async (t) => {
  const stateDir = await tempDir(t);
  const first = await startSource(t, stateDir);
  await waitFor('the backlog to be read', () => (Number(detail(first.fake)?.history) > 0 ? true : undefined));
  writeRecord(`<6>fsevd-kmsg-source-test before ${randomUUID()}`);
  await waitFor('a record', () => (Number(detail(first.fake)?.records) >= 1 ? true : undefined));
  await first.stop();
  const cursor = JSON.parse(await readFile(join(stateDir, 'kmsg-cursor.json'), 'utf8')) as { bootId: string; seq: number };
  assert.equal(cursor.bootId, bootId);
  assert.equal(cursor.seq, detail(first.fake).lastSeq);

  writeRecord(`<6>fsevd-kmsg-source-test while stopped ${randomUUID()}`);
  const second = await startSource(t, stateDir);
  assert.equal(detail(second.fake).start, `resumed after seq ${cursor.seq}`);
  await waitFor('the record written while stopped', () => (Number(detail(second.fake)?.records) >= 1 ? true : undefined));
  const after = detail(second.fake);
  assert.ok(Number(after.replayed) >= 1, 'records up to the cursor are skipped, not processed again');
  assert.ok(Number(after.lastSeq) > cursor.seq);
  assert.equal(second.fake.lost, 0, 'nothing was lost in between');
});

test('after another boot the ring is read from its start; what it no longer holds is reported lost', { skip }, async (t) => {
  const stateDir = await tempDir(t);
  await writeFile(join(stateDir, 'kmsg-cursor.json'), JSON.stringify({ bootId: 'an-earlier-boot', seq: 123456 }));
  const { fake } = await startSource(t, stateDir);
  assert.equal(detail(fake).start, 'start of ring (new boot)');
  await waitFor('the ring', () => (Number(detail(fake)?.records) >= 1 ? true : undefined));
  // The oldest record still in the ring: everything before it in this boot was overwritten.
  assert.equal(detail(fake).decodeErrors, 0);
  const oldest = Number(detail(fake).lastSeq) - Number(detail(fake).records) + 1;
  assert.equal(fake.lost, oldest);
  const reports = fake.emitted.filter((o) => o.type === 'EVENTS_LOST');
  assert.equal(reports.length, oldest > 0 ? 1 : 0);
});

test('with newBoot: end, another boot starts at the end; an unreadable cursor counts as none', { skip }, async (t) => {
  const stateDir = await tempDir(t);
  await writeFile(join(stateDir, 'kmsg-cursor.json'), JSON.stringify({ bootId: 'an-earlier-boot', seq: 5 }));
  const ended = await startSource(t, stateDir, { newBoot: 'end' });
  assert.equal(detail(ended.fake).start, 'end of ring');
  await ended.stop();
  const broken = await tempDir(t);
  await writeFile(join(broken, 'kmsg-cursor.json'), '{"bootId": 7');
  const fresh = await startSource(t, broken);
  assert.equal(detail(fresh.fake).start, 'end of ring');
});
