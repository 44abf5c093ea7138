/**
 * @module collector/sources/kmsg/formats
 * Pure: one line of a saved kernel log → a kernel record, for `fsevd parse-log`. Recognised:
 * - /dev/kmsg records ("6,405,1643848531,-;text"; `cat /dev/kmsg`), dict lines skipped;
 * - `dmesg -r` ("<6>[ 1643.848531] text"), `dmesg -x` ("kern  :info  : [ 1643.848531] text"),
 *   plain `dmesg` ("[ 1643.848531] text"), `dmesg -T` ("[Mon Nov 23 02:37:29 2026] text");
 * - `journalctl -k` in the short, short-iso, short-precise and short-monotonic outputs
 *   ("Nov 23 02:37:29 host kernel: text") and `-o json` (only _TRANSPORT=kernel entries).
 * Formats without a facility (plain dmesg, journalctl short) cannot tell user-space writes
 * from kernel lines; their lines are taken as kernel lines. journalctl -k itself only shows
 * kernel-transport entries.
 */
import { decodeBytes } from '../../../util/bytes.ts';
import { cleanText, parseRecord, type KmsgRecord } from './parse.ts';

/** The formats parseLogLine recognises. */
export type LogFormat = 'kmsg' | 'dmesg-raw' | 'dmesg-decoded' | 'dmesg' | 'dmesg-ctime' | 'journal' | 'journal-json';

/** A decoded log line. */
export interface LogLine {
  format: LogFormat;
  record: KmsgRecord;
  /** Wall-clock time the log gives (ms since the epoch), when it gives one. */
  wallTime?: number;
  /** Host name the log gives (journalctl), when it gives one. */
  host?: string;
}

const FACILITIES = ['kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp'];
const LEVELS = ['emerg', 'alert', 'crit', 'err', 'warn', 'notice', 'info', 'debug'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const KMSG = /^\d+,\d+,\d+,[^;]*;/;
const DMESG_RAW = /^<(\d{1,3})>(?:\[\s*(\d+)\.(\d+)\] ?)?(.*)$/;
const DMESG_DECODED = /^([a-z0-9]+)\s*:([a-z]+)\s*: (?:\[\s*(\d+)\.(\d+)\] ?)?(.*)$/;
const DMESG = /^\[\s*(\d+)\.(\d+)\] (.*)$/;
const DMESG_CTIME = /^\[(?:\w{3} )?(\w{3}) +(\d{1,2}) (\d\d):(\d\d):(\d\d) (\d{4})\] (.*)$/;
const JOURNAL_SHORT = /^(\w{3}) +(\d{1,2}) (\d\d):(\d\d):(\d\d)(\.\d+)? (\S+) kernel: (.*)$/;
const JOURNAL_ISO = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?) (\S+) kernel: (.*)$/;
const JOURNAL_MONOTONIC = /^\[\s*(\d+)\.(\d+)\] (\S+) kernel: (.*)$/;
/** rsyslog/older journald keep the kernel's own "[  12.345678] " inside the message. */
const INNER_TIMESTAMP = /^\[\s*(\d+)\.(\d+)\] /;

/**
 * Decodes one line; undefined for lines in no known format (and for kmsg dict lines).
 * `year` completes journalctl's short timestamps, which have none.
 */
export function parseLogLine(line: string, year = new Date().getFullYear()): LogLine | undefined {
  if (KMSG.test(line)) {
    const record = parseRecord(line);
    return record instanceof Error ? undefined : { format: 'kmsg', record };
  }
  if (line.startsWith('{')) return journalJson(line);
  let m = DMESG_RAW.exec(line);
  if (m) return { format: 'dmesg-raw', record: make(Number(m[1]) >> 3, Number(m[1]) & 7, micros(m[2], m[3]), m[4]!) };
  m = DMESG_DECODED.exec(line);
  if (m && LEVELS.includes(m[2]!)) {
    const facility = FACILITIES.indexOf(m[1]!);
    const local = /^local([0-7])$/.exec(m[1]!);
    return { format: 'dmesg-decoded', record: make(facility >= 0 ? facility : local ? 16 + Number(local[1]) : 1, LEVELS.indexOf(m[2]!), micros(m[3], m[4]), m[5]!) };
  }
  m = JOURNAL_MONOTONIC.exec(line);
  if (m) return { format: 'journal', host: m[3]!, record: make(0, -1, micros(m[1], m[2]), m[4]!) };
  m = DMESG.exec(line);
  if (m) return { format: 'dmesg', record: make(0, -1, micros(m[1], m[2]), m[3]!) };
  m = DMESG_CTIME.exec(line);
  if (m) return { format: 'dmesg-ctime', wallTime: localTime(Number(m[6]), m[1]!, m[2]!, m[3]!, m[4]!, m[5]!), record: make(0, -1, -1, m[7]!) };
  m = JOURNAL_SHORT.exec(line);
  if (m) return journalLine(localTime(year, m[1]!, m[2]!, m[3]!, m[4]!, m[5]!) + fraction(m[6]), m[7]!, m[8]!);
  m = JOURNAL_ISO.exec(line);
  if (m) return journalLine(Date.parse(m[1]!.replace(',', '.').replace(/([+-]\d\d)(\d\d)$/, '$1:$2')), m[2]!, m[3]!);
  return undefined;
}

function journalLine(wallTime: number, host: string, message: string): LogLine {
  const inner = INNER_TIMESTAMP.exec(message);
  const record = inner ? make(0, -1, micros(inner[1], inner[2]), message.slice(inner[0].length)) : make(0, -1, -1, message);
  return Number.isFinite(wallTime) ? { format: 'journal', wallTime, host, record } : { format: 'journal', host, record };
}

function journalJson(line: string): LogLine | undefined {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (entry === null || typeof entry !== 'object' || entry._TRANSPORT !== 'kernel') return undefined;
  // journald stores messages that are not UTF-8 as arrays of bytes.
  const raw = entry.MESSAGE;
  const message = typeof raw === 'string' ? raw : Array.isArray(raw) && raw.every((b) => Number.isInteger(b)) ? decodeBytes(Buffer.from(raw as number[])) : undefined;
  if (message === undefined) return undefined;
  // journald reads /dev/kmsg, so user-space writes to it are kernel-transport entries too; their
  // facility tells them apart.
  const facility = Number(entry.SYSLOG_FACILITY ?? 0);
  const level = Number(entry.PRIORITY ?? -1);
  const monotonic = Number(entry._SOURCE_MONOTONIC_TIMESTAMP ?? -1);
  const wall = Number(entry.__REALTIME_TIMESTAMP) / 1000;
  const out: LogLine = { format: 'journal-json', record: make(Number.isInteger(facility) ? facility : 1, Number.isInteger(level) && level >= 0 && level <= 7 ? level : -1, Number.isSafeInteger(monotonic) ? monotonic : -1, message) };
  if (Number.isFinite(wall)) out.wallTime = wall;
  if (typeof entry._HOSTNAME === 'string') out.host = entry._HOSTNAME;
  return out;
}

function make(facility: number, level: number, timeUs: number, text: string): KmsgRecord {
  return { facility, level, seq: -1, timeUs, continued: false, text: cleanText(text) };
}

/** "1643", "848531" → µs; -1 when absent. */
function micros(seconds: string | undefined, fraction: string | undefined): number {
  if (seconds === undefined || fraction === undefined) return -1;
  return Number(seconds) * 1e6 + Math.round(Number(`0.${fraction}`) * 1e6);
}

function fraction(text: string | undefined): number {
  return text ? Number(`0${text}`) * 1000 : 0;
}

function localTime(year: number, month: string, day: string, h: string, m: string, s: string): number {
  return new Date(year, MONTHS.indexOf(month), Number(day), Number(h), Number(m), Number(s)).getTime();
}
