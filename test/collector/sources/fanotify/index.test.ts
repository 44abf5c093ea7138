/**
 * The fanotify source's lifecycle and mapping, with a pure-TS fake of the native group in place
 * of the addon: start failures (no addon, an addon without watchFsErrors, fanotify_init EPERM)
 * become StartupErrors, and bytes from the group become observations on the right superblock.
 * The fake stands in for what the kernel cannot be made to do on demand here (a queue overflow,
 * corrupt event bytes); tests/kernel/ drives the real group.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { StartupError } from '../../../../src/errors.ts';
import { FanotifySource } from '../../../../src/collector/sources/fanotify/index.ts';
import type { FsErrorMarkResult, NativeBinding, NativeLoadResult } from '../../../../src/native/binding.ts';
import { fakeContext, mountEntry } from '../../../helpers/fake-context.ts';

const CONFIG = { enabled: true, markTimeoutMs: 5_000, maxMarksInFlight: 4 };
/** /proc/self/status of a root process and of an unprivileged one (CapEff with and without bit 21). */
const ROOT_PROC = { proc: fileURLToPath(new URL('../../../fixtures/fanotify/privileged', import.meta.url)) };
const USER_PROC = { proc: fileURLToPath(new URL('../../../fixtures/fanotify/unprivileged', import.meta.url)) };

/** struct fanotify_event_metadata for an event of `length` bytes (version 3, FAN_NOFD). */
function metadata(length: number, mask: number): Buffer {
  const b = Buffer.alloc(length);
  b.writeUInt32LE(length, 0);
  b.writeUInt8(3, 4);
  b.writeUInt16LE(24, 6);
  b.writeUInt32LE(mask, 8);
  b.writeInt32LE(-1, 16);
  return b;
}

/** An FS_ERROR event: metadata, a FID record with `fsid` and no handle, an error record. */
function fsError(fsid: [number, number], errno: number, count: number): Buffer {
  const b = metadata(56, 0x8000);
  b.writeInt32LE(77, 20);
  b.writeUInt8(1, 24);
  b.writeUInt16LE(20, 26);
  b.writeUInt32LE(fsid[0], 28);
  b.writeUInt32LE(fsid[1], 32);
  b.writeInt32LE(0xff, 40);
  b.writeUInt8(5, 44);
  b.writeUInt16LE(12, 46);
  b.writeInt32LE(errno, 48);
  b.writeUInt32LE(count, 52);
  return b;
}

/** FAN_Q_OVERFLOW: metadata alone. */
const overflow = () => metadata(24, 0x4000);

/** A fake addon whose group the test drives by hand. */
function fakeGroup(initError?: Error) {
  const group = {
    marks: [] as Array<{ id: number; path: string }>,
    closed: 0,
    onEvents: (_chunk: Buffer) => undefined as void,
    onMark: (_result: FsErrorMarkResult) => undefined as void,
  };
  const native = {
    watchPriority: () => ({ close: () => undefined }),
    watchFsErrors: (onEvents: (chunk: Buffer) => void, onMark: (result: FsErrorMarkResult) => void) => {
      if (initError) throw initError;
      group.onEvents = onEvents;
      group.onMark = onMark;
      return { mark: (id: number, path: Buffer) => void group.marks.push({ id, path: path.toString() }), close: () => void (group.closed += 1) };
    },
  } satisfies NativeBinding;
  return { group, load: (): NativeLoadResult => ({ ok: true, native }) };
}

test('without the addon, with an addon that predates it, or without CAP_SYS_ADMIN the source cannot start', async () => {
  const { ctx } = fakeContext([], ROOT_PROC);
  const missing = new FanotifySource(CONFIG, { loadNative: () => ({ ok: false, reason: 'native addon not built' }) });
  await assert.rejects(missing.start(ctx), (err: unknown) => err instanceof StartupError && /native addon not built/.test(err.message) && !err.retry);

  const old = new FanotifySource(CONFIG, { loadNative: () => ({ ok: true, native: { watchPriority: () => ({ close: () => undefined }) } }) });
  await assert.rejects(old.start(ctx), /predates watchFsErrors/);

  const eperm = Object.assign(new Error('EPERM: Operation not permitted, fanotify_init'), { code: 'EPERM' });
  const denied = new FanotifySource(CONFIG, { loadNative: fakeGroup(eperm).load });
  await assert.rejects(denied.start(ctx), (err: unknown) => err instanceof StartupError && /CAP_SYS_ADMIN/.test(err.message) && !err.retry);

  // Since Linux 5.13 fanotify_init works unprivileged; the marks would not.
  const unprivileged = new FanotifySource(CONFIG, { loadNative: fakeGroup().load });
  await assert.rejects(unprivileged.start(fakeContext([], USER_PROC).ctx), (err: unknown) => err instanceof StartupError && /marks need CAP_SYS_ADMIN/.test(err.message));
});

test('marks refused with EPERM (CAP_SYS_ADMIN only in a user namespace) put the source down', async () => {
  const fake = fakeContext([mountEntry(10, '7:0', '/data')], ROOT_PROC);
  const { group, load } = fakeGroup();
  const source = new FanotifySource(CONFIG, { loadNative: load });
  await source.start(fake.ctx);
  group.onMark({ id: group.marks[0]!.id, fsid: [1, 2], dev: { major: 7, minor: 0 }, error: { code: 'EPERM', errno: 1, syscall: 'fanotify_mark', message: 'Operation not permitted' } });
  assert.equal(fake.health.state, 'down');
  assert.match(fake.health.reason ?? '', /CAP_SYS_ADMIN/);
  await source.stop();
});

test('an error event on a marked superblock becomes FS_ERROR on its device number', async () => {
  const fake = fakeContext([mountEntry(10, '7:0', '/data'), mountEntry(11, '7:0', '/data-bind')], ROOT_PROC);
  const { group, load } = fakeGroup();
  const source = new FanotifySource(CONFIG, { loadNative: load });
  await source.start(fake.ctx);
  assert.equal(fake.health.state, 'up');
  assert.deepEqual(group.marks.map((m) => m.path), ['/data']);
  group.onMark({ id: group.marks[0]!.id, fsid: [0xc14878d9, 0x4cca6340], dev: { major: 7, minor: 0 } });
  assert.equal(fake.health.detail?.marked, 1);

  group.onEvents(Buffer.concat([fsError([0xc14878d9, 0x4cca6340], -117, 3), fsError([9, 9], 5, 1)]));
  assert.deepEqual(fake.emitted[0], {
    type: 'FS_ERROR',
    time: Date.parse('2026-11-23T00:00:00Z'),
    mount: { devno: { major: 7, minor: 0 }, fsid: 'c14878d9:4cca6340' },
    data: { errno: 117, errorCount: 3, fsid: 'c14878d9:4cca6340', pid: 77 },
  });
  assert.deepEqual(fake.emitted[1]?.mount, { fsid: '00000009:00000009' }, 'an unknown fsid is passed on for the gatherer');
  await source.stop();
  await source.stop();
  assert.equal(group.closed, 1, 'stop closes the group once');
});

test('a queue overflow is reported as EVENTS_LOST and counted; corrupt bytes are counted in health, not emitted', async () => {
  const fake = fakeContext([], ROOT_PROC);
  const { group, load } = fakeGroup();
  const source = new FanotifySource(CONFIG, { loadNative: load });
  await source.start(fake.ctx);
  group.onEvents(overflow());
  assert.equal(fake.emitted[0]?.type, 'EVENTS_LOST');
  assert.equal(fake.lost, 1);
  assert.equal(fake.health.detail?.overflows, 1);

  const corrupt = fsError([1, 2], 117, 1);
  corrupt.writeUInt16LE(0, 46); // the error record's length
  group.onEvents(corrupt);
  group.onEvents(Buffer.from([1, 2, 3]));
  assert.equal(fake.emitted.length, 1);
  assert.deepEqual(fake.health.detail?.malformed, { 'bad-info-length': 1, 'truncated-header': 1 });
  await source.stop();
});

test('an fsid two superblocks share (a cloned image) is not guessed: both are named, neither is chosen', async () => {
  const fake = fakeContext([mountEntry(10, '7:0', '/orig'), mountEntry(11, '7:1', '/clone')], ROOT_PROC);
  const { group, load } = fakeGroup();
  const source = new FanotifySource(CONFIG, { loadNative: load });
  await source.start(fake.ctx);
  group.onMark({ id: group.marks[0]!.id, fsid: [5, 6], dev: { major: 7, minor: 0 } });
  group.onMark({ id: group.marks[1]!.id, fsid: [5, 6], dev: { major: 7, minor: 1 } });
  group.onEvents(fsError([5, 6], 117, 1));
  assert.deepEqual(fake.emitted[0]?.mount, { fsid: '00000005:00000006' });
  assert.deepEqual(fake.emitted[0]?.data.fsidSharedBy, ['7:0', '7:1']);
  await source.stop();
});
