/**
 * @module collector/sources/kmsg/catalog/btrfs
 * btrfs messages (fs/btrfs/inode.c, disk-io.c, bio.c, scrub.c, volumes.c, messages.c;
 * shared/reference/kernel-signals.md §3). Lines start "BTRFS <level> (device <s_id>[ state X]): ";
 * <s_id> is the filesystem's first device, the failing one is in the text ("dev /dev/loop8").
 * A read-path checksum failure is only news once we know whether btrfs repaired it, so those
 * lines are held until a "read error corrected" line or a timeout decides (../outcome.ts).
 */
import type { CatalogEntry } from './entry.ts';

const BTRFS = String.raw`^BTRFS \w+ \(device (?<device>[^)\s]+)(?: state (?<state>[A-Za-z]+))?\): `;
const PREFIX = 'BTRFS ';
const SCRUB = '(?:scrub: )?';
const WHERE = String.raw`on (?:dev (?<bdev>\S+) physical (?<physical>\d+)|mirror (?<mirror>\d+))`;

/** The btrfs entries. */
export const btrfsEntries: CatalogEntry[] = [
  {
    id: 'btrfs.csum-failed',
    prefix: PREFIX,
    pattern: new RegExp(String.raw`${BTRFS}csum failed root (?<root>-?\d+) ino (?<inode>-?\d+) off (?<offset>\d+)(?: logical (?<logical>\d+))? csum 0x(?<csum>[0-9a-f]+) expected csum 0x(?<expected>[0-9a-f]+) mirror (?<mirror>\d+)`),
    type: 'UNCORRECTED_CHECKSUM_ERROR',
    role: 'awaits-correction',
    description: 'Data checksum mismatch on read; CORRECTED if a "read error corrected" follows, else UNCORRECTED',
  },
  {
    id: 'btrfs.metadata-csum-failed',
    prefix: PREFIX,
    pattern: new RegExp(String.raw`${BTRFS}checksum verify failed on logical (?<logical>\d+) mirror (?<mirror>\d+) wanted 0x(?<expected>[0-9a-f]+) found 0x(?<csum>[0-9a-f]+) level (?<treeLevel>\d+)`),
    type: 'UNCORRECTED_CHECKSUM_ERROR',
    role: 'awaits-correction',
    description: 'Metadata block checksum mismatch; resolved like a data checksum failure',
  },
  {
    id: 'btrfs.read-error-corrected',
    prefix: PREFIX,
    pattern: new RegExp(String.raw`${BTRFS}read error corrected: ino (?<inode>\d+) off (?<offset>\d+) \(dev (?<bdev>\S+) sector (?<sector>\d+)\)`),
    type: 'CORRECTED_CHECKSUM_ERROR',
    role: 'corrects',
    description: 'Read repair rewrote a bad copy from a good mirror',
  },
  {
    id: 'btrfs.scrub-fixed',
    prefix: PREFIX,
    pattern: new RegExp(String.raw`${BTRFS}${SCRUB}fixed up error at logical (?<logical>\d+) ${WHERE}`),
    type: 'CORRECTED_CHECKSUM_ERROR',
    role: 'corrects',
    data: { scrub: true },
    description: 'Scrub repaired a bad sector',
  },
  {
    id: 'btrfs.scrub-unfixable',
    prefix: PREFIX,
    pattern: new RegExp(String.raw`${BTRFS}${SCRUB}unable to fixup \(regular\) error at logical (?<logical>\d+) ${WHERE}`),
    type: 'UNCORRECTED_CHECKSUM_ERROR',
    data: { scrub: true },
    description: 'Scrub found a bad sector with no good copy',
  },
  {
    id: 'btrfs.scrub-bad-sector',
    prefix: PREFIX,
    pattern: new RegExp(String.raw`${BTRFS}${SCRUB}(?<kind>checksum error|i/o error|header error|generation error) at logical (?<logical>\d+) on dev (?<bdev>[^,\s]+), physical (?<physical>\d+)(?:,? root (?<root>\d+),? inode (?<inode>\d+),? offset (?<offset>\d+)(?:,? length (?<length>\d+),? links (?<links>\d+) \(path: (?<path>.*)\)|: path resolving failed with ret=(?<ret>-?\d+))|: metadata (?<metadata>\w+) \(level (?<treeLevel>\d+)\) in tree (?<tree>\d+))?`),
    type: 'UNCORRECTED_CHECKSUM_ERROR',
    data: { scrub: true },
    // The format has commas after each field; 6.18 prints none after "physical N" (observed here).
    description: 'Scrub detail of an unrepaired sector, with the file path when it resolves',
  },
  {
    id: 'btrfs.device-stats',
    prefix: PREFIX,
    pattern: new RegExp(String.raw`${BTRFS}bdev (?<bdev>\S+) errs: wr (?<writeErrs>\d+), rd (?<readErrs>\d+), flush (?<flushErrs>\d+), corrupt (?<corruptionErrs>\d+), gen (?<generationErrs>\d+)`),
    type: 'IO_ERROR',
    maxLevel: 3,
    role: 'device-stats',
    description: 'Device error counters (printed on each increase): write/read/flush → IO_ERROR, generation → ERR_CORRUPTED; corruption increases are reported by the checksum lines',
  },
  {
    id: 'btrfs.fs-error',
    prefix: 'BTRFS: error (device ',
    pattern: /^BTRFS: error \(device (?<device>[^)\s]+)(?: state (?<state>[A-Za-z]+))?\) in (?<function>\w+):(?<line>\d+): errno=(?<errno>-?\d+) (?<reason>[^(]*?)(?: \((?<message>.*)\))?$/,
    type: 'FS_ERROR',
    description: '__btrfs_handle_fs_error: a fatal error (transaction abort), forced read-only follows',
  },
  {
    id: 'btrfs.transaction-aborted',
    prefix: PREFIX,
    pattern: new RegExp(String.raw`${BTRFS}Transaction aborted \(error (?<errno>-?\d+)\)`),
    type: 'FS_ERROR',
    data: { transactionAborted: true },
    description: 'btrfs_abort_transaction (first abort since mount)',
  },
  {
    id: 'btrfs.forced-readonly',
    prefix: PREFIX,
    pattern: new RegExp(String.raw`${BTRFS}forced readonly$`),
    type: 'ERR_REMOUNT_RO',
    description: 'btrfs went read-only after an error (it does set SB_RDONLY)',
  },
];
