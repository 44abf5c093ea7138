import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMountinfo, parseMountinfoLine } from '../../../src/collector/mounts/parse.ts';
import { decodeBytes, encodeBytes } from '../../../src/util/bytes.ts';

const line = (text: string) => Buffer.from(text, 'latin1');

test('parses the proc(5) example with optional fields and super options', () => {
  const entry = parseMountinfoLine(line('36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue'));
  assert.deepEqual(entry, {
    mountId: 36,
    parentId: 35,
    major: 98,
    minor: 0,
    root: '/mnt1',
    mountpoint: '/mnt2',
    mountOptions: ['rw', 'noatime'],
    optionalFields: ['master:1'],
    fstype: 'ext3',
    device: '/dev/root',
    superOptions: ['rw', 'errors=continue'],
  });
});

test('several optional fields, and none', () => {
  assert.deepEqual(parseMountinfoLine(line('40 1 8:1 / /a rw shared:2 master:3 propagate_from:4 unbindable - ext4 /dev/sda1 rw')).optionalFields, ['shared:2', 'master:3', 'propagate_from:4', 'unbindable']);
  assert.deepEqual(parseMountinfoLine(line('40 1 8:1 / /a rw - ext4 /dev/sda1 rw')).optionalFields, []);
});

test('octal escapes: space, tab, newline, backslash in paths and device', () => {
  const entry = parseMountinfoLine(line('50 27 7:0 / /mnt/a\\040b\\011c\\012d\\134e rw,relatime shared:1 - ext4 /dev/my\\040disk rw'));
  assert.equal(entry.mountpoint, '/mnt/a b\tc\nd\\e');
  assert.equal(entry.device, '/dev/my disk');
});

test('a literal backslash not followed by three octal digits stays as it is', () => {
  assert.equal(parseMountinfoLine(line('50 27 7:0 / /x\\9y\\12 rw - tmpfs t rw')).mountpoint, '/x\\9y\\12');
});

test('escaped commas inside options do not split the option', () => {
  const entry = parseMountinfoLine(line('51 27 0:40 / /f rw - fuse.sshfs u@h:/a\\054b rw,user_id=0,opt=a\\054b'));
  assert.deepEqual(entry.superOptions, ['rw', 'user_id=0', 'opt=a,b']);
  assert.equal(entry.device, 'u@h:/a,b');
});

test('non-UTF-8 bytes in a path survive decoding and encode back to the same bytes', () => {
  const raw = Buffer.concat([line('52 27 7:1 / /mnt/'), Buffer.from([0xff, 0xfe, 0x41, 0xc3, 0xa9]), line(' rw - ext4 /dev/loop1 rw')]);
  const entry = parseMountinfoLine(raw);
  assert.equal(entry.mountpoint, '/mnt/\udcff\udcfeAé');
  assert.deepEqual(encodeBytes(entry.mountpoint), Buffer.concat([line('/mnt/'), Buffer.from([0xff, 0xfe, 0x41, 0xc3, 0xa9])]));
  // JSON carries the lone surrogates as escapes and gives them back unchanged.
  assert.equal(JSON.parse(JSON.stringify(entry.mountpoint)), entry.mountpoint);
});

test('octal-escaped non-UTF-8 bytes decode the same way', () => {
  assert.equal(parseMountinfoLine(line('53 27 7:1 / /m\\377 rw - ext4 /dev/loop1 rw')).mountpoint, '/m\udcff');
});

test('shell metacharacters are just characters', () => {
  assert.equal(parseMountinfoLine(line('54 27 7:1 / /m/$(rm\\040-rf)`x`;|&<> rw - ext4 /dev/loop1 rw')).mountpoint, '/m/$(rm -rf)`x`;|&<>');
});

test('a dash as a path is not the separator', () => {
  const entry = parseMountinfoLine(line('55 27 7:1 / /- rw - ext4 /dev/loop1 rw'));
  assert.equal(entry.mountpoint, '/-');
  assert.equal(entry.fstype, 'ext4');
});

test('malformed lines are reported and skipped; good lines survive', () => {
  const text = line(['22 27 0:21 / /proc rw - proc proc rw', 'garbage', '1 2 x:y / /a rw - ext4 /dev/a rw', '23 27 0:22 / /sys rw - sysfs sysfs rw', '24 27 0:6 / /dev rw no-separator ext4 x rw', ''].join('\n'));
  const { entries, errors } = parseMountinfo(text);
  assert.deepEqual(entries.map((e) => e.mountpoint), ['/proc', '/sys']);
  assert.equal(errors.length, 3);
  for (const error of errors) assert.equal(error.code, 'FSEVD_E_DECODE');
});

test('the real /proc/self/mountinfo parses without errors', async () => {
  const { readFile } = await import('node:fs/promises');
  const { entries, errors } = parseMountinfo(await readFile('/proc/self/mountinfo'));
  assert.deepEqual(errors, []);
  assert.ok(entries.some((e) => e.mountpoint === '/'), 'the root mount is listed');
});

test('decodeBytes and encodeBytes round-trip arbitrary bytes', () => {
  for (let seed = 0; seed < 200; seed++) {
    const bytes = Buffer.from(Array.from({ length: 1 + (seed % 17) }, (_, i) => (seed * 31 + i * 97) % 256));
    assert.deepEqual(encodeBytes(decodeBytes(bytes)), bytes, `seed ${seed}`);
  }
});
