/**
 * @module util/atomic-file
 * Replaces a small state file so that a crash at any moment leaves the old content or the new,
 * never a torn file: written to a temporary file beside it, optionally synced, renamed over it.
 */
import { open, rename } from 'node:fs/promises';

/** Writes `text` to `path` atomically; `sync` makes the content durable before the rename. */
export async function writeFileAtomic(path: string, text: string, options: { mode?: number; sync?: boolean } = {}): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  const handle = await open(temporary, 'w', options.mode ?? 0o640);
  try {
    await handle.writeFile(text);
    if (options.sync) await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path);
}
