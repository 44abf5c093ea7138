/**
 * @module collector/sources/kmsg/parse
 * Pure decoding of /dev/kmsg records (kernel/printk/printk.c: info_print_ext_header,
 * msg_add_ext_text, msg_print_ext_body): "PRI,SEQ,USEC,FLAG[,more];text\n" followed by dict lines
 * that start with a space (" SUBSYSTEM=scsi", " DEVICE=+scsi:2:0:0:0"). The text is ASCII: bytes
 * below 0x20, from 0x7f up, and the backslash itself arrive as "\xNN" and are decoded here (bytes
 * that are not UTF-8 become lone surrogates, see util/bytes.ts). Imports no I/O, so it can be
 * fuzzed and benchmarked alone.
 */
import { DecodeError } from '../../../errors.ts';
import { decodeBytes, encodeBytes } from '../../../util/bytes.ts';

/** One kernel log record, decoded. */
export interface KmsgRecord {
  /** Syslog facility: 0 for the kernel; devkmsg_write forces 1 (LOG_USER) or more for user space. */
  facility: number;
  /** Syslog level 0 (emerg) … 7 (debug); -1 when the log format does not say (plain dmesg). */
  level: number;
  /** Kernel record sequence number; -1 when the log format does not carry it. */
  seq: number;
  /** Microseconds since boot (printk's local_clock); -1 when unknown. */
  timeUs: number;
  /** True for a LOG_CONT fragment (flag 'c'). */
  continued: boolean;
  /** Message text, \xNN escapes undone, trailing whitespace and newlines removed. */
  text: string;
  /** KEY=VALUE dict lines of dev_printk() messages, when present. */
  dict?: Record<string, string>;
}

/** Highest PRI a record can carry: facility 23 (local7) << 3 | level 7. */
const MAX_PRI = 191;

/**
 * Splits a chunk of /dev/kmsg output (whole records, each ending in "\n") into records, keeping
 * each record's dict lines with it. A trailing partial line is returned as its own record.
 */
export function splitRecords(chunk: string): string[] {
  const records: string[] = [];
  for (let start = 0, end = 0; start < chunk.length; start = end + 1) {
    end = recordEnd(chunk, start);
    if (end > start) records.push(chunk.slice(start, end));
  }
  return records;
}

/**
 * Where the record starting at `start` ends: the index of the "\n" after its last dict line (dict
 * lines begin with a space and belong to the record before them), or the chunk's length.
 */
export function recordEnd(chunk: string, start: number): number {
  let end = chunk.indexOf('\n', start);
  if (end < 0) return chunk.length;
  while (end + 1 < chunk.length && chunk.charCodeAt(end + 1) === 0x20) {
    const next = chunk.indexOf('\n', end + 1);
    if (next < 0) return chunk.length;
    end = next;
  }
  return end;
}

/** Decodes one record (with or without its trailing newline); a DecodeError when malformed. */
export function parseRecord(raw: string): KmsgRecord | DecodeError {
  const semi = raw.indexOf(';');
  if (semi < 0) return new DecodeError('kmsg record without ";" after its header');
  const c1 = raw.indexOf(',');
  const c2 = c1 < 0 ? -1 : raw.indexOf(',', c1 + 1);
  const c3 = c2 < 0 ? -1 : raw.indexOf(',', c2 + 1);
  if (c3 < 0 || c3 > semi) return new DecodeError('kmsg header needs PRI,SEQ,USEC,FLAGS');
  const pri = decimal(raw, 0, c1);
  const seq = decimal(raw, c1 + 1, c2);
  const timeUs = decimal(raw, c2 + 1, c3);
  if (pri < 0 || pri > MAX_PRI || seq < 0 || timeUs < 0) return new DecodeError('kmsg header field is not a number in range');
  // Fields after the flag (",caller=T123", future ones) are ignored, as the kernel ABI asks.
  const continued = raw.charCodeAt(c3 + 1) === 0x63; // 'c'
  let end = raw.indexOf('\n', semi + 1);
  if (end < 0) end = raw.length;
  const record: KmsgRecord = { facility: pri >> 3, level: pri & 7, seq, timeUs, continued, text: cleanText(raw.slice(semi + 1, end)) };
  if (end + 1 < raw.length) record.dict = parseDict(raw.slice(end + 1));
  return record;
}

/** Undoes the kernel's \xNN escaping and trims trailing whitespace (printk's stray "\n"s). */
export function cleanText(text: string): string {
  return (text.includes('\\x') ? unescapeKmsg(text) : text).trimEnd();
}

/** Decodes \xNN escapes to the bytes they stand for, then those bytes as UTF-8. */
export function unescapeKmsg(text: string): string {
  const parts: Buffer[] = [];
  let last = 0;
  for (const match of text.matchAll(/\\x([0-9a-fA-F]{2})/g)) {
    if (match.index > last) parts.push(encodeBytes(text.slice(last, match.index)));
    parts.push(Buffer.of(parseInt(match[1]!, 16)));
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push(encodeBytes(text.slice(last)));
  return decodeBytes(Buffer.concat(parts));
}

function parseDict(lines: string): Record<string, string> {
  const dict: Record<string, string> = {};
  for (const line of lines.split('\n')) {
    const eq = line.indexOf('=');
    if (line.charCodeAt(0) !== 0x20 || eq < 2) continue;
    const key = line.slice(1, eq);
    // Own properties only, so a dict line can never shadow Object.prototype members.
    if (key !== '__proto__') dict[key] = cleanText(line.slice(eq + 1));
  }
  return dict;
}

/** Non-negative decimal between from and to, or -1 (empty, other characters, not exact). */
function decimal(text: string, from: number, to: number): number {
  if (to <= from || to - from > 16) return -1;
  let value = 0;
  for (let i = from; i < to; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return Number.isSafeInteger(value) ? value : -1;
}
