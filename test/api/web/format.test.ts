/**
 * The page's formatting (src/api/web/format.js, a plain ES module that runs in Node too): mount
 * paths escaped exactly as the daemon's own threshold syntax escapes them (so the request the
 * page writes names the mount the daemon knows), sizes and durations.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeMountPath as daemonEscape, parsePieces } from '../../../src/collector/thresholds/syntax.ts';
// @ts-expect-error: a browser module without type declarations; its functions take and return strings and numbers.
import { bytes, duration, escapeMountPath } from '../../../src/api/web/format.js';

const paths = ['/data', '/a b\tc\nd', '/x\\y;z', '/<b>"q"\'s\'', '/raw \udcff', '/nbsp\u00a0here', '/;;', '/trailing ', '/wide\u3000space\u2028line', '/café\u2003'];

test('mount paths are escaped as the daemon escapes them, and parse back to the same path', () => {
  for (const path of paths) {
    assert.equal(escapeMountPath(path), daemonEscape(path), JSON.stringify(path));
    const [piece] = parsePieces(`${escapeMountPath(path)} T 10% 5%`);
    assert.equal((piece!.parsed as { mount?: string }).mount, path, `${JSON.stringify(path)} parses back`);
  }
});

test('sizes in binary units and durations read as people say them', () => {
  assert.deepEqual([0, 1023, 1536, 20 * 2 ** 30, 3 * 2 ** 50].map(bytes), ['0 B', '1023 B', '1.5 KiB', '20.0 GiB', '3.0 PiB']);
  assert.deepEqual([undefined, 42, 125, 2 * 3600 + 300, 3 * 86400 + 4 * 3600].map(duration), ['–', '42 s', '2 min 5 s', '2 h 5 min', '3 d 4 h']);
});
