/**
 * @module collector/sources/kmsg/catalog
 * The catalog of kernel messages fsevd understands: one entry per kind of message, with the
 * event type it yields and the fields it extracts (see entry.ts). Adding a message is adding one
 * entry to the family's file. Order matters within a family: the first entry that matches wins,
 * so specific forms come before generic ones. The README's catalog table is generated from here.
 */
import { blockEntries } from './block.ts';
import { btrfsEntries } from './btrfs.ts';
import type { CatalogEntry } from './entry.ts';
import { ext4Entries } from './ext4.ts';
import { networkEntries } from './network.ts';
import { xfsEntries } from './xfs.ts';

export type { CatalogEntry, EntryRole } from './entry.ts';

/** Every entry, in matching order. */
export const catalog: readonly CatalogEntry[] = [...ext4Entries, ...xfsEntries, ...btrfsEntries, ...blockEntries, ...networkEntries];
