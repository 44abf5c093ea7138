/**
 * @module collector/sources/kmsg/cursor
 * Where the kmsg source stopped reading: the last record sequence number and the boot it belongs
 * to (/proc/sys/kernel/random/boot_id; sequence numbers restart at 0 on every boot). Kept in
 * <stateDir>/kmsg-cursor.json, replaced atomically (write a temp file, rename), so a restart on
 * the same boot resumes after the last record read instead of replaying the ring as new faults.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../../util/atomic-file.ts';

/** The saved position. */
export interface KmsgCursor {
  bootId: string;
  seq: number;
}

const FILE = 'kmsg-cursor.json';

/** Reads the saved cursor; undefined when there is none or it is unreadable (then the caller starts fresh). */
export async function loadCursor(stateDir: string): Promise<KmsgCursor | undefined> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(join(stateDir, FILE), 'utf8'));
  } catch {
    return undefined;
  }
  const { bootId, seq } = (parsed ?? {}) as Partial<KmsgCursor>;
  if (typeof bootId !== 'string' || !Number.isSafeInteger(seq) || (seq as number) < 0) return undefined;
  return { bootId, seq: seq as number };
}

/** Saves the cursor atomically. */
export async function saveCursor(stateDir: string, cursor: KmsgCursor): Promise<void> {
  await writeFileAtomic(join(stateDir, FILE), `${JSON.stringify(cursor)}\n`);
}

/** The kernel's boot id, or undefined when /proc does not have it. */
export async function readBootId(proc: string): Promise<string | undefined> {
  const id = await readFile(join(proc, 'sys/kernel/random/boot_id'), 'utf8').catch(() => '');
  return id.trim() || undefined;
}
