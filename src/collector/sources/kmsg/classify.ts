/**
 * @module collector/sources/kmsg/classify
 * Pure: matches a kernel record against the catalog and turns the match's named groups into a
 * mount reference and event data. Records from user space (facility ≠ 0) never match, so writing
 * to /dev/kmsg cannot forge a filesystem error (devkmsg_write forces facility ≥ 1).
 */
import type { EventType } from '../../events.ts';
import type { MountRef, Severity } from '../../types.ts';
import { catalog as defaultCatalog, type CatalogEntry } from './catalog/index.ts';
import { BLK_STATUS_CODE_ERRNO, ERRNO } from './catalog/entry.ts';
import type { KmsgRecord } from './parse.ts';

/** A record the catalog recognised. */
export interface Classified {
  entry: CatalogEntry;
  type: EventType;
  mount?: MountRef;
  data: Record<string, unknown>;
  severity?: Severity;
}

/** Groups holding decimal numbers (kept as strings when beyond 2^53, e.g. btrfs logical addresses). */
const NUMERIC = new Set([
  'line', 'inode', 'block', 'group', 'logical', 'physical', 'mirror', 'offset', 'root', 'length', 'links', 'blocks', 'transaction',
  'seconds', 'mds', 'mon', 'ret', 'treeLevel', 'tree', 'writeErrs', 'readErrs', 'flushErrs', 'corruptionErrs', 'generationErrs',
  'lba', 'client', 'sector', 'flags',
]);

/** The first catalog entry matching a kernel record, with its fields; undefined when none does. */
export function classify(record: KmsgRecord, catalog: readonly CatalogEntry[] = defaultCatalog): Classified | undefined {
  if (record.facility !== 0) return undefined;
  const text = record.text;
  for (const entry of catalog) {
    if (entry.prefix !== undefined && !text.startsWith(entry.prefix)) continue;
    if (entry.contains !== undefined && !text.includes(entry.contains)) continue;
    if (entry.maxLevel !== undefined && record.level > entry.maxLevel) continue;
    const match = entry.pattern.exec(text);
    if (match) return build(entry, match.groups ?? {}, record);
  }
  return undefined;
}

function build(entry: CatalogEntry, groups: Record<string, string | undefined>, record: KmsgRecord): Classified {
  const data: Record<string, unknown> = { pattern: entry.id, ...entry.data };
  const mount: MountRef = {};
  for (const [name, value] of Object.entries(groups)) {
    if (value !== undefined) setField(entry, name, value, data, mount);
  }
  if (mount.deviceName === undefined && typeof data.bdev === 'string') mount.deviceName = kernelName(data.bdev);
  if (mount.sector !== undefined && groups.disk === undefined) delete mount.sector;
  if (entry.fstype !== undefined && mount.deviceName === undefined) mount.fstype = entry.fstype;
  if (data.errno === undefined && entry.inferErrno) {
    const message = typeof data.message === 'string' ? data.message : record.text;
    data.errno = entry.inferErrno.rules.find(([pattern]) => pattern.test(message))?.[1] ?? entry.inferErrno.otherwise;
    data.errnoInferred = true;
  }
  data.text = record.text;
  if (record.level >= 0) data.level = record.level;
  if (record.timeUs >= 0) data.kernelTime = record.timeUs / 1e6;
  if (record.seq >= 0) data.kmsgSeq = record.seq;
  const errno = typeof data.errno === 'number' ? data.errno : undefined;
  const type = (errno !== undefined ? entry.typeByErrno?.[errno] : undefined) ?? entry.type;
  const classified: Classified = { entry, type, data };
  if (Object.keys(mount).length > 0) classified.mount = mount;
  if (entry.severity) classified.severity = entry.severity;
  return classified;
}

function setField(entry: CatalogEntry, name: string, value: string, data: Record<string, unknown>, mount: MountRef): void {
  switch (name) {
    case 'device':
      mount.deviceName = kernelName(value);
      return;
    case 'disk':
      mount.deviceName = kernelName(value);
      data.disk = value;
      return;
    case 'journalDevice':
      mount.deviceName = journalOwner(value);
      data.journalDevice = value;
      return;
    case 'server':
      mount.server = value;
      data.server = value;
      return;
    case 'fsname':
      mount.fsname = value;
      data.fsname = value;
      return;
    case 'target': {
      data.target = value;
      // Lustre targets are "<fsname>-MDT0000" / "<fsname>-OST001f".
      const fsname = /^(.+?)-(?:MDT|OST)[0-9a-fA-F]{4}/.exec(value)?.[1];
      if (fsname) mount.fsname = data.fsname = fsname;
      return;
    }
    case 'errno':
      // btrfs and XFS log errnos negative, ext4 positive: the event always carries the positive value.
      data.errno = Math.abs(Number(value));
      return;
    case 'errnoText': {
      data.errnoText = value;
      const errno = entry.errnoByText?.[value] ?? /^error (-?\d+)$/.exec(value)?.[1];
      if (errno !== undefined) data.errno = Math.abs(Number(errno));
      return;
    }
    case 'blkStatus':
      data.blkStatus = Number(value);
      data.errno = BLK_STATUS_CODE_ERRNO[Number(value)] ?? ERRNO.EIO;
      return;
    case 'sector':
      data.sector = toNumber(value, 10);
      if (typeof data.sector === 'number') mount.sector = data.sector;
      return;
    default:
      if (name.endsWith('Hex')) data[name.slice(0, -3)] = toNumber(value, 16);
      else data[name] = NUMERIC.has(name) ? toNumber(value, 10) : value;
  }
}

/** "sda1" from "/dev/sda1" or "sda1". */
function kernelName(device: string): string {
  return device.startsWith('/dev/') ? device.slice(5) : device;
}

/**
 * The filesystem device of a jbd2 journal name: "%pg-%lu" (device and journal inode, usually 8)
 * for an internal journal, "%pg" for an external one, with '/' printed as '!'.
 */
function journalOwner(journal: string): string {
  const name = journal.replaceAll('!', '/');
  const internal = /^(.+)-(\d+)$/.exec(name);
  // "dm-1" is an external journal on dm-1, "dm-1-8" the internal journal of dm-1.
  if (internal && (/\d$/.test(internal[1]!) || internal[2] === '8')) return internal[1]!;
  return name;
}

function toNumber(text: string, radix: 10 | 16): number | string {
  const value = radix === 16 ? parseInt(text, 16) : Number(text);
  return Number.isSafeInteger(value) ? value : text;
}
