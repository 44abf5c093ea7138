/**
 * @module collector/mounts/parse
 * Pure parser of /proc/<pid>/mountinfo (proc(5), fs/proc_namespace.c show_mountinfo):
 *   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 * Fields are separated by single spaces; the kernel escapes space, tab, newline and backslash
 * (and ',' '=' inside options) as three-digit octal (\040, \011, \012, \134), so a line never
 * contains a raw separator. Paths may hold any bytes but '\0' and need not be UTF-8: they are
 * decoded losslessly (util/bytes.ts).
 */
import { DecodeError } from '../../errors.ts';
import { decodeBytes } from '../../util/bytes.ts';
import type { MountEntry } from '../types.ts';

const SPACE = 0x20;
const NEWLINE = 0x0a;
const BACKSLASH = 0x5c;

/** Result of parsing a whole table: the entries and one DecodeError per bad line. */
export interface ParsedMountinfo {
  entries: MountEntry[];
  errors: DecodeError[];
}

/** Parses a whole mountinfo text; a malformed line is reported and skipped, never fatal. */
export function parseMountinfo(text: Uint8Array): ParsedMountinfo {
  const entries: MountEntry[] = [];
  const errors: DecodeError[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf(NEWLINE, start);
    if (end < 0) end = text.length;
    if (end > start) {
      try {
        entries.push(parseMountinfoLine(text.subarray(start, end)));
      } catch (err) {
        errors.push(err instanceof DecodeError ? err : new DecodeError(String(err)));
      }
    }
    start = end + 1;
  }
  return { entries, errors };
}

/** Parses one mountinfo line (without its newline). Throws DecodeError when malformed. */
export function parseMountinfoLine(line: Uint8Array): MountEntry {
  const fields = splitFields(line);
  const separator = fields.findIndex((field, i) => i >= 6 && field.length === 1 && field[0] === 0x2d);
  if (fields.length < 10 || separator < 0 || fields.length !== separator + 4) {
    throw new DecodeError(`Malformed mountinfo line: ${JSON.stringify(decodeBytes(line).slice(0, 200))}`);
  }
  const [idField, parentField, devField, rootField, pointField, optionsField] = fields;
  const devno = /^(\d+):(\d+)$/.exec(ascii(devField!));
  const mountId = toInt(ascii(idField!));
  const parentId = toInt(ascii(parentField!));
  if (!devno || mountId === undefined || parentId === undefined) {
    throw new DecodeError(`Malformed mountinfo ids: ${JSON.stringify(decodeBytes(line).slice(0, 200))}`);
  }
  return {
    mountId,
    parentId,
    major: Number(devno[1]),
    minor: Number(devno[2]),
    root: unescape(rootField!),
    mountpoint: unescape(pointField!),
    mountOptions: splitOptions(optionsField!),
    optionalFields: fields.slice(6, separator).map(unescape),
    fstype: unescape(fields[separator + 1]!),
    device: unescape(fields[separator + 2]!),
    superOptions: splitOptions(fields[separator + 3]!),
  };
}

/** Splits at single spaces; an empty field (two spaces) stays an empty field. */
function splitFields(line: Uint8Array): Uint8Array[] {
  const fields: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i <= line.length; i++) {
    if (i === line.length || line[i] === SPACE) {
      fields.push(line.subarray(start, i));
      start = i + 1;
    }
  }
  return fields;
}

/** Options are comma-separated; commas inside values arrive escaped as \054, so split first. */
function splitOptions(field: Uint8Array): string[] {
  if (field.length === 0) return [];
  const options: string[] = [];
  let start = 0;
  for (let i = 0; i <= field.length; i++) {
    if (i === field.length || field[i] === 0x2c) {
      options.push(unescape(field.subarray(start, i)));
      start = i + 1;
    }
  }
  return options;
}

/** Undoes the kernel's \ooo escapes, then decodes the bytes losslessly. */
function unescape(field: Uint8Array): string {
  if (!field.includes(BACKSLASH)) return decodeBytes(field);
  const out: number[] = [];
  for (let i = 0; i < field.length; i++) {
    const byte = field[i]!;
    const value = byte === BACKSLASH ? octalAt(field, i + 1) : undefined;
    if (value !== undefined) {
      out.push(value);
      i += 3;
    } else {
      out.push(byte);
    }
  }
  return decodeBytes(Uint8Array.from(out));
}

/** The byte value of a three-digit octal escape at `at`, or undefined when there is none. */
function octalAt(field: Uint8Array, at: number): number | undefined {
  if (at + 3 > field.length) return undefined;
  let value = 0;
  for (let k = at; k < at + 3; k++) {
    const digit = field[k]! - 0x30;
    if (digit < 0 || digit > 7) return undefined;
    value = value * 8 + digit;
  }
  return value <= 0xff ? value : undefined;
}

function ascii(field: Uint8Array): string {
  return Buffer.from(field).toString('latin1');
}

function toInt(text: string): number | undefined {
  return /^\d+$/.test(text) ? Number(text) : undefined;
}
