/**
 * The proposal's request syntax (fs-event-protocol.md §4): every documented form parses, every
 * malformed one is refused with a message naming the request and what is wrong with it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../../src/errors.ts';
import { escapeMountPath, formatReadLine, formatRequest, parseDefaults, parseRequests } from '../../../src/collector/thresholds/syntax.ts';

const level = (text: string) => parseRequests(`/m T ${text}`)[0];

test('every form of the proposal parses', () => {
  assert.deepEqual(parseRequests('/sample/mount/point G T 710000 500000'), [
    { op: 'add', mount: '/sample/mount/point', generic: true, blocks: { l1: { unit: 'count', value: 710000, text: '710000' }, l2: { unit: 'count', value: 500000, text: '500000' } } },
  ]);
  assert.deepEqual(parseRequests('/m G'), [{ op: 'add', mount: '/m', generic: true }]);
  assert.deepEqual(parseRequests('/m T 100'), [{ op: 'add', mount: '/m', generic: false, blocks: { l1: { unit: 'count', value: 100, text: '100' } } }]);
  assert.deepEqual(parseRequests('!/m G'), [{ op: 'remove', mount: '/m', types: ['G'] }]);
  assert.deepEqual(parseRequests('!/m'), [{ op: 'remove', mount: '/m', types: [] }]);
  assert.deepEqual(parseRequests(''), [{ op: 'clear' }]);
  assert.deepEqual(parseRequests('\n'), [{ op: 'clear' }]);
  assert.deepEqual(parseRequests('  \t '), [{ op: 'clear' }]);
  assert.deepEqual(parseRequests('/a G; /b T 5 1 ;!/c').map((r) => r.op), ['add', 'add', 'remove']);
  // Types in any order; T L1 L2 may come last after G.
  assert.deepEqual(parseRequests('/m T 10 5 G')[0], parseRequests('/m G T 10 5')[0]);
  // Equal levels are allowed (L1 >= L2).
  assert.equal(parseRequests('/m T 7 7').length, 1);
});

test('extensions: units, inode levels, escaped paths', () => {
  const units = parseRequests('/m T 15% 5%; /m T 20G 512M; /m T 1.5TiB 0; /m I 10% 1%');
  assert.deepEqual(units.map((r) => r.op === 'add' && r.blocks?.l1), [
    { unit: 'percent', value: 15, text: '15%' },
    { unit: 'bytes', value: 20 * 2 ** 30, text: '20G' },
    { unit: 'bytes', value: 1.5 * 2 ** 40, text: '1.5TiB' },
    undefined,
  ]);
  assert.deepEqual(units[3], { op: 'add', mount: '/m', generic: false, inodes: { l1: { unit: 'percent', value: 10, text: '10%' }, l2: { unit: 'percent', value: 1, text: '1%' } } });
  // Mixed units are fine when one level is zero (the proposal's omitted L2).
  assert.equal(parseRequests('/m T 15% 0').length, 1);
  assert.deepEqual(parseRequests('/mnt/a\\040b\\073c\\134d G')[0], { op: 'add', mount: '/mnt/a b;c\\d', generic: true });
  assert.equal(escapeMountPath('/mnt/a b;c\\d\ne'), '/mnt/a\\040b\\073c\\134d\\012e');
  // Escapes are bytes, as in mountinfo: wide whitespace is its UTF-8 bytes, a lone byte stays that byte.
  assert.equal(escapeMountPath('/mnt/x\u3000y\u00a0z'), '/mnt/x\\343\\200\\200y\\302\\240z');
  for (const mount of ['/mnt/x\u3000y\u00a0z\u2028', '/mnt/caf\u00e9 \udcff;']) {
    assert.deepEqual(parseRequests(`${escapeMountPath(mount)} G`)[0], { op: 'add', mount, generic: true }, mount);
  }
  assert.deepEqual(parseRequests('/mnt/caf\\303\\251\\377 G')[0], { op: 'add', mount: '/mnt/caf\u00e9\udcff', generic: true });
  // Trailing slashes and dot segments are normalised.
  assert.equal((parseRequests('/mnt//x/./ G')[0] as { mount: string }).mount, '/mnt/x');
  assert.deepEqual(level('0%'), { op: 'add', mount: '/m', generic: false, blocks: { l1: { unit: 'percent', value: 0, text: '0%' } } });
});

function refused(text: string, ...expected: RegExp[]): void {
  assert.throws(() => parseRequests(text), (err: unknown) => {
    assert.ok(err instanceof ConfigError, `${text}: ${String(err)}`);
    assert.equal(err.problems.length, expected.length, `${text}: ${err.problems.join(' | ')}`);
    expected.forEach((re, i) => assert.match(err.problems[i]!, re, text));
    return true;
  });
}

test('every malformed request is refused with the right message', () => {
  refused('/m', /request 1 "\/m": no event type/);
  refused('/m T', /T needs L1 right after it/);
  refused('/m T G', /T needs L1 right after it/);
  refused('/m T 100 G', /"G" after T 100 is read as L2 .*put G before T/);
  refused('/m T 5 10', /L1 5 is less than L2 10/);
  refused('/m T 5% 10%', /L1 5% is less than L2 10%/);
  refused('/m T 15% 1G', /must use the same unit/);
  refused('/m T abc', /L1 "abc" is not a level/);
  refused('/m T 10 abc', /"abc" after T 10 is read as L2/);
  refused('/m T 10 2x', /L2 "2x" is not a level/);
  refused('/m T 101%', /more than 100%/);
  refused('/m T -5', /L1 "-5" is not a level/);
  refused('/m I 10% 1000', /L1 10% and L2 1000 must use the same unit/);
  refused('/m T 99999999999999999999', /too large/);
  refused('/m I 5G', /inode levels are counts or percentages/);
  refused('/m X', /"X": unknown event type \(expected G, T or I\)/);
  refused('/m g', /"g": unknown event type/);
  refused('/m 100', /"100": a level must follow T or I/);
  refused('/m G G', /G is given twice/);
  refused('/m T 1 T 2', /"T" after T 1 is read as L2 and is not a number: give L2 \(T 1 0 T\)$/);
  refused('/m T 2 1 T 2', /T is given twice/);
  refused('!/m T 5', /"5" is not an event type to remove/);
  refused('!/m Q', /"Q" is not an event type to remove/);
  refused('!', /missing mount path/);
  refused('relative/path G', /must be absolute/);
  refused('/bad\\x G', /bad escape/);
  refused('/bad\\400 G', /bad escape/);
  refused('/bad\\04 G', /bad escape/);
  refused(';', /only ";" is ambiguous/);
  refused('/a G;;/b G', /request 2 "": is empty/);
  refused('/a G;', /request 2 "": is empty/);
  // Every bad request is reported, each with its number.
  refused('/a G; /b T; /c T 1 2; /d Z', /request 2 "\/b T"/, /request 3 "\/c T 1 2": L1 1 is less than L2 2/, /request 4 "\/d Z"/);
});

test('defaults are a request without its mount', () => {
  assert.deepEqual(parseDefaults(''), {});
  const d = parseDefaults('T 10% 5% I 5%');
  assert.equal(d.blocks?.l1.text, '10%');
  assert.equal(d.blocks?.l2.text, '5%');
  assert.deepEqual(d.inodes?.l2, { unit: 'count', value: 0, text: '0' });
  assert.throws(() => parseDefaults('G'), /only T and I levels/);
  assert.throws(() => parseDefaults('T 1 2'), /thresholds.defaults "T 1 2": L1 1 is less than L2 2/);
});

test('printing: requests round-trip, and the read format is the proposal\'s', () => {
  for (const line of ['/m G T 20G 10G', '/mnt/a\\040b T 15% 5% I 10% 0', '/m G', '/m T 710000 500000']) {
    const request = parseRequests(line)[0] as Parameters<typeof formatRequest>[0];
    const entry = { ...request, blocks: request.blocks && { l1: request.blocks.l1, l2: request.blocks.l2! }, inodes: request.inodes && { l1: request.inodes.l1, l2: request.inodes.l2! } };
    assert.equal(formatRequest(entry), line);
  }
  const pair = (a: string, b: string) => ({ l1: { unit: 'count' as const, value: Number(a), text: a }, l2: { unit: 'count' as const, value: Number(b), text: b } });
  assert.equal(formatReadLine({ mount: '/mnt', generic: true, blocks: pair('710000', '500000') }, 'ext4', '/dev/sda1'), '/mnt ext4 /dev/sda1 (G,T 710000 500000)');
  assert.equal(formatReadLine({ mount: '/mnt', generic: true }, 'fuse.sshfs', 'u@h:/x'), '/mnt fuse.sshfs u@h:/x (G 0 0)');
  assert.equal(formatReadLine({ mount: '/m', generic: false, inodes: pair('9', '1') }, 'xfs', 'none'), '/m xfs none (I 0 0 9 1)');
});
