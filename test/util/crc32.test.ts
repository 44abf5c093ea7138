import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32 } from '../../src/util/crc32.ts';

const ascii = (s: string) => Buffer.from(s, 'ascii');

test('crc32 matches the standard check value and published vectors', () => {
  assert.equal(crc32(ascii('123456789')), 0xcbf43926);
  assert.equal(crc32(ascii('')), 0);
  assert.equal(crc32(ascii('a')), 0xe8b7be43);
  assert.equal(crc32(ascii('The quick brown fox jumps over the lazy dog')), 0x414fa339);
  assert.equal(crc32(new Uint8Array(32)), 0x190a55ad);
  assert.equal(crc32(new Uint8Array(32).fill(0xff)), 0xff6cab0b);
});

test('crc32 can be continued over chunks', () => {
  const whole = ascii('The quick brown fox jumps over the lazy dog');
  for (const cut of [0, 1, 10, whole.length]) {
    assert.equal(crc32(whole.subarray(cut), crc32(whole.subarray(0, cut))), crc32(whole));
  }
});

test('crc32 reads a view at its own offset', () => {
  const buf = ascii('xx123456789yy');
  assert.equal(crc32(buf.subarray(2, 11)), 0xcbf43926);
});
