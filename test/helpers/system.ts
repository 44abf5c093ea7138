/**
 * Helpers for tests on the real kernel: root checks, commands, temp dirs, loop-mounted images.
 * Everything created is registered for cleanup with t.after, which runs even when a test fails.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TestContext } from 'node:test';
import { parseMountinfo } from '../../src/collector/mounts/parse.ts';
import { encodeBytes } from '../../src/util/bytes.ts';
import { onCleanup } from './cleanup.ts';

const execFileAsync = promisify(execFile);

/** True when running as root (mount and loop devices need it). */
export const isRoot = process.getuid?.() === 0;

/** Skips the test with a reason unless running as root; returns whether it may go on. */
export function needRoot(t: TestContext): boolean {
  if (!isRoot) t.skip('needs root: mounts loop devices (CI runs as root)');
  return isRoot;
}

/** Runs a command (argv, no shell); rejects with its stderr on failure. */
export async function run(file: string, args: Array<string>, options: { timeoutMs?: number } = {}): Promise<string> {
  try {
    const { stdout } = await execFileAsync(file, args, { timeout: options.timeoutMs ?? 30_000, encoding: 'utf8' });
    return stdout;
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`${file} ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`);
  }
}

/**
 * A temp directory removed after the test. node:test runs after-hooks in registration order, so
 * this one is usually first: it unmounts whatever is still mounted inside the directory (only
 * mounts the test made can be there), deepest first, before removing it.
 */
export async function tempDir(t: TestContext, prefix = 'fsevd-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  onCleanup(t, async () => {
    const inside = parseMountinfo(await readFile('/proc/self/mountinfo')).entries
      .map((e) => e.mountpoint)
      .filter((m) => m.startsWith(`${dir}/`))
      .sort((a, b) => b.length - a.length);
    for (const mountpoint of inside) await unmountRaw(dir, mountpoint);
    await rm(dir, { recursive: true, force: true });
  });
  return dir;
}

/** Unmounts, falling back to a lazy unmount so cleanup never leaves a busy mount behind. */
export async function unmount(path: string): Promise<void> {
  await run('umount', [path]).catch(() => run('umount', ['-l', path]).catch(() => undefined));
}

/** Unmounts a path that argv cannot carry (not UTF-8) through a symlink; umount resolves it. */
async function unmountRaw(dir: string, mountpoint: string): Promise<void> {
  const bytes = encodeBytes(mountpoint);
  if (bytes.toString('utf8') === mountpoint) return unmount(mountpoint);
  const link = join(dir, `.unmount-link-${process.pid}`);
  await rm(link, { force: true });
  await symlink(bytes, link);
  await unmount(link);
  await rm(link, { force: true });
}

/** Creates an ext4 image file of `sizeMiB` in `dir`. */
export async function makeExt4Image(dir: string, sizeMiB = 16): Promise<string> {
  const image = join(dir, 'fs.img');
  await run('truncate', ['-s', `${sizeMiB}M`, image]);
  await run('mkfs.ext4', ['-q', '-F', image]);
  return image;
}

/** Loop-mounts an image (mount -o loop detaches the loop device itself on unmount). */
export async function loopMount(t: TestContext, image: string, mountpoint: string, options = 'loop'): Promise<void> {
  await run('mount', ['-o', options, image, mountpoint]);
  onCleanup(t, () => unmount(mountpoint));
}

/**
 * Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. The
 * default is generous: on a loaded 2-core machine process starts and fsyncs take seconds.
 */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
