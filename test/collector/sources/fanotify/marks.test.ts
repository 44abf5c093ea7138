/**
 * MarkBook: which superblocks get a mark request, what the answers (or their absence) do, and the
 * fsid → device number map, driven through a real MountTable with a recording request function
 * in place of the native mark threads (tests/kernel/ covers those on the real kernel).
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { MountTable } from '../../../../src/collector/mounts/table.ts';
import { MarkBook } from '../../../../src/collector/sources/fanotify/marks.ts';
import type { MountEntry } from '../../../../src/collector/types.ts';
import type { FsErrorMarkResult } from '../../../../src/native/binding.ts';
import { mountEntry as entry } from '../../../helpers/fake-context.ts';

function setup(t: TestContext, entries: MountEntry[], options: { timeoutMs?: number; maxInFlight?: number; failRequests?: boolean } = {}) {
  const table = new MountTable();
  table.replace(entries);
  const requests: Array<{ id: number; path: string }> = [];
  const book = new MarkBook({
    mounts: table,
    request: (id, path) => {
      if (options.failRequests) throw new Error('EAGAIN: Resource temporarily unavailable, pthread_create');
      requests.push({ id, path: path.toString() });
    },
    timeoutMs: options.timeoutMs ?? 60_000,
    maxInFlight: options.maxInFlight ?? 8,
    changed: () => undefined,
  });
  t.after(() => book.close());
  book.update();
  const state = (mountpoint: string) => book.superblocks().find((sb) => sb.mountpoint === mountpoint);
  const ok = (id: number, devno: string, fsid: [number, number] = [0x11, 0x22]): FsErrorMarkResult => {
    const [major, minor] = devno.split(':').map(Number) as [number, number];
    return { id, fsid, dev: { major, minor } };
  };
  return { table, book, requests, state, ok };
}

test('each superblock is requested once, through its primary mount; network and autofs mounts never', (t) => {
  const { requests, state } = setup(t, [
    entry(10, '7:0', '/data'),
    entry(11, '7:0', '/bind', 'ext4', { root: '/sub' }),
    entry(12, '0:40', '/run/user', 'tmpfs'),
    entry(13, '0:50', '/net', 'autofs'),
    entry(14, '0:51', '/home', 'nfs4'),
  ]);
  assert.deepEqual(requests.map((r) => r.path), ['/data', '/run/user']);
  assert.match(state('/net')?.reason ?? '', /automount/);
  assert.equal(state('/home')?.state, 'not-marked');
  assert.match(state('/home')?.reason ?? '', /network filesystem/);
});

test('a successful answer marks the superblock and maps its fsid; a shared fsid maps to both', (t) => {
  const { book, requests, state, ok } = setup(t, [entry(10, '7:0', '/a'), entry(11, '7:1', '/b')]);
  book.settle(ok(requests[0]!.id, '7:0', [0x842441e0, 0x91e58565]));
  assert.equal(state('/a')?.state, 'marked');
  assert.equal(state('/a')?.fsid, '842441e0:91e58565');
  assert.deepEqual(book.devnosOf('842441e0:91e58565'), [{ major: 7, minor: 0 }]);
  book.settle(ok(requests[1]!.id, '7:1', [0x842441e0, 0x91e58565]));
  assert.deepEqual(book.devnosOf('842441e0:91e58565'), [{ major: 7, minor: 0 }, { major: 7, minor: 1 }]);
  assert.deepEqual(book.devnosOf('00000000:00000001'), []);
});

test('a failed mark is recorded with what its errno means, and an answer for another device maps nothing', (t) => {
  const { book, requests, state, ok } = setup(t, [entry(10, '0:44', '/fuse', 'fuse.bindfs'), entry(11, '7:3', '/over')]);
  book.settle({ id: requests[0]!.id, fsid: [0, 0], dev: { major: 0, minor: 44 }, error: { code: 'ENODEV', errno: 19, syscall: 'fanotify_mark', message: 'No such device' } });
  assert.equal(state('/fuse')?.state, 'not-marked');
  assert.match(state('/fuse')?.reason ?? '', /fanotify_mark: ENODEV \(the filesystem has no fsid/);
  book.settle(ok(requests[1]!.id, '0:99', [5, 6]));
  assert.equal(state('/over')?.state, 'not-marked');
  assert.match(state('/over')?.reason ?? '', /another filesystem \(0:99\)/);
  assert.deepEqual(book.devnosOf('00000005:00000006'), []);
});

test('a request without an answer is reported after the timeout, frees its slot, and a late answer still counts', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { book, requests, state, ok } = setup(t, [entry(10, '0:44', '/hung', 'fuse.sshfs'), entry(11, '7:0', '/disk')], { timeoutMs: 20, maxInFlight: 1 });
  assert.deepEqual(requests.map((r) => r.path), ['/hung'], 'one in flight at a time');
  t.mock.timers.tick(20);
  assert.equal(state('/hung')?.state, 'no-answer');
  assert.match(state('/hung')?.reason ?? '', /no answer within 20 ms/);
  assert.equal(book.stuck, 1);
  assert.deepEqual(requests.map((r) => r.path), ['/hung', '/disk'], 'the next one went ahead');
  book.settle(ok(requests[1]!.id, '7:0'));
  assert.equal(state('/disk')?.state, 'marked');
  book.settle({ id: requests[0]!.id, fsid: [0, 0], error: { code: 'ENODEV', errno: 19, syscall: 'fanotify_mark', message: 'No such device' } });
  assert.equal(state('/hung')?.state, 'not-marked');
  assert.equal(book.stuck, 0);
  assert.equal(book.inFlight, 0);
});

test('new mounts are requested, bind mounts of a known superblock are not, and unmounted ones are forgotten', (t) => {
  const { table, book, requests, state, ok } = setup(t, [entry(10, '7:0', '/a')]);
  book.settle(ok(requests[0]!.id, '7:0'));
  book.update(table.replace([entry(10, '7:0', '/a'), entry(20, '7:0', '/a-bind'), entry(21, '7:5', '/new')]));
  assert.deepEqual(requests.map((r) => r.path), ['/a', '/new']);
  book.update(table.replace([entry(20, '7:0', '/a-bind'), entry(21, '7:5', '/new')]));
  assert.equal(state('/a-bind')?.state, 'marked', 'still marked, now reached through the remaining mount');
  book.update(table.replace([entry(21, '7:5', '/new')]));
  assert.equal(state('/a-bind'), undefined);
  assert.deepEqual(book.devnosOf('00000011:00000022'), [], 'the fsid of an unmounted superblock maps to nothing');
});

test('a device unmounted and mounted again between two readings is marked again (a new superblock)', (t) => {
  const { table, book, requests, ok } = setup(t, [entry(10, '7:0', '/a')]);
  book.settle(ok(requests[0]!.id, '7:0'));
  book.update(table.replace([entry(30, '7:0', '/a')]));
  assert.equal(requests.length, 2);
  assert.deepEqual(book.devnosOf('00000011:00000022'), [], 'the old fsid is forgotten until the new answer');
});

test('a request that cannot be sent is recorded, and marking carries on', (t) => {
  const { book, state } = setup(t, [entry(10, '7:0', '/a'), entry(11, '7:1', '/b')], { maxInFlight: 1, failRequests: true });
  assert.match(state('/a')?.reason ?? '', /mark request failed: EAGAIN/);
  assert.match(state('/b')?.reason ?? '', /mark request failed/);
  assert.equal(book.inFlight, 0);
});
