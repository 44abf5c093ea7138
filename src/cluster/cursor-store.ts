/**
 * @module cluster/cursor-store
 * Each node's cursor on disk: the seq of the last event of that node whose handling is durable.
 * One small JSON file per node address under `<stateDir>/cursors/`, replaced atomically (written
 * to a temporary file, renamed over the old one), so a crash at any moment leaves either the old
 * cursor or the new one, never a torn file. It is not fsynced by default: the durable resume point
 * is the rules engine's checkpoint, journaled (fsynced) with the state the events led to; after a
 * power loss this file may be behind it, never ahead, and the follower resumes after the larger. Unreadable files count as no cursor (logged).
 * The cursor of a node that leaves the list is kept: if it comes back, it resumes where it was.
 */
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { writeFileAtomic } from '../util/atomic-file.ts';

/** What is kept per node. */
export interface StoredCursor {
  address: string;
  /** Seq of the last event handled durably. */
  cursor: number;
  /** The node's own name (from its hello), for the record. */
  fsevdNode?: string;
  /** ISO time of the write. */
  time: string;
}

/** File name of an address: safe on any filesystem, reversible. */
function fileOf(address: string): string {
  return `${encodeURIComponent(address)}.json`;
}

/** The per-node cursor files of one state dir. */
export class CursorStore {
  readonly #dir: string;
  readonly #log: Logger;
  readonly #fsync: boolean;

  constructor(stateDir: string, log: Logger, options: { fsync?: boolean } = {}) {
    this.#dir = join(stateDir, 'cursors');
    this.#log = log;
    this.#fsync = options.fsync ?? false;
  }

  /** Creates the directory and removes temporary files a crash left behind. */
  async open(): Promise<void> {
    await mkdir(this.#dir, { recursive: true });
    for (const name of await readdir(this.#dir)) if (name.endsWith('.tmp')) await rm(join(this.#dir, name), { force: true });
  }

  /** The stored cursor of a node, or undefined (never seen, or the file is unreadable). */
  async read(address: string): Promise<StoredCursor | undefined> {
    const path = join(this.#dir, fileOf(address));
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.#log.warn({ address, err: { message: (err as Error).message } }, 'Cannot read cursor; starting this node afresh');
      return undefined;
    }
    try {
      const value = JSON.parse(text) as StoredCursor;
      if (Number.isSafeInteger(value.cursor) && value.cursor >= 0) return value;
    } catch {
      // reported below
    }
    this.#log.warn({ address, path }, 'Cursor file is not valid; starting this node afresh');
    return undefined;
  }

  /** Replaces a node's cursor atomically; resolves once it is on disk. */
  async write(cursor: StoredCursor): Promise<void> {
    const path = join(this.#dir, fileOf(cursor.address));
    await writeFileAtomic(path, `${JSON.stringify(cursor)}\n`, { mode: 0o644, sync: this.#fsync });
  }
}
