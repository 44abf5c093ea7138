/**
 * @module util/bytes
 * Lossless bytes ↔ string for kernel-supplied paths, which need not be UTF-8. Valid UTF-8 decodes
 * normally; every byte of an invalid sequence becomes a lone surrogate U+DC80..U+DCFF (Python's
 * "surrogateescape"), which JSON carries as "\udcXX" and which encodes back to the same bytes.
 */

import { isUtf8 } from 'node:buffer';

const SURROGATE_BASE = 0xdc00;

/** Decodes bytes to a string, escaping bytes that are not valid UTF-8. */
export function decodeBytes(bytes: Uint8Array): string {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Nearly every path is valid UTF-8: one native decode, no per-byte work.
  if (isUtf8(view)) return view.toString('utf8');
  let out = '';
  let runStart = 0;
  let i = 0;
  while (i < view.length) {
    const length = utf8SequenceLength(view, i);
    if (length > 0) {
      i += length;
      continue;
    }
    out += view.toString('utf8', runStart, i) + String.fromCharCode(SURROGATE_BASE + view[i]!);
    i += 1;
    runStart = i;
  }
  return out + view.toString('utf8', runStart, i);
}

/** Encodes a string from decodeBytes back to the original bytes. */
export function encodeBytes(text: string): Buffer {
  const parts: Buffer[] = [];
  let run = '';
  for (const char of text) {
    const unit = char.charCodeAt(0);
    if (char.length === 1 && unit >= 0xdc80 && unit <= 0xdcff) {
      if (run) parts.push(Buffer.from(run, 'utf8'));
      run = '';
      parts.push(Buffer.of(unit - SURROGATE_BASE));
    } else {
      run += char;
    }
  }
  if (run) parts.push(Buffer.from(run, 'utf8'));
  return Buffer.concat(parts);
}

/** Length of the valid UTF-8 sequence starting at `i`, or 0 when it is invalid. */
function utf8SequenceLength(bytes: Uint8Array, i: number): number {
  const lead = bytes[i]!;
  if (lead < 0x80) return 1;
  let length: number;
  let min: number;
  if (lead >= 0xc2 && lead <= 0xdf) [length, min] = [2, 0x80];
  else if (lead >= 0xe0 && lead <= 0xef) [length, min] = [3, 0x800];
  else if (lead >= 0xf0 && lead <= 0xf4) [length, min] = [4, 0x10000];
  else return 0;
  if (i + length > bytes.length) return 0;
  let codePoint = lead & (0xff >> (length + 1));
  for (let k = 1; k < length; k++) {
    const next = bytes[i + k]!;
    if ((next & 0xc0) !== 0x80) return 0;
    codePoint = (codePoint << 6) | (next & 0x3f);
  }
  const isSurrogate = codePoint >= 0xd800 && codePoint <= 0xdfff;
  return codePoint < min || codePoint > 0x10ffff || isSurrogate ? 0 : length;
}
