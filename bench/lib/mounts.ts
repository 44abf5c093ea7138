/**
 * Mount helpers for the benchmarks that need root: reading /proc/self/mountinfo, a "bind farm"
 * (a small tmpfs on a temp dir plus N `mount --bind` of its subdirs into another temp dir, made by
 * one `sh -c` loop) and a teardown that unmounts everything under a temp dir, newest mount first,
 * then verifies with mountinfo that nothing is left before removing the dir. Only mounts under
 * directories this process created are ever touched. Not a benchmark itself.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup } from './proc.ts';
import { note } from './report.ts';

/** True when this process may mount. */
export const isRoot = process.getuid?.() === 0;

/** How the current process sees mounts: a private namespace made for the benchmark, or the machine's. */
export const namespaceNote = (): string =>
  process.env.FSEVD_BENCH_NS === 'private'
    ? 'the benchmark runs in its own mount namespace (`unshare --mount --propagation private`, a copy of the machine\'s mount table): mounts other people make on this shared machine do not reach its fsevd, and its 1,000 binds reach nobody else; kernel-wide events (kmsg, filesystem errors) still do. FSEVD_BENCH_SHARED_NS=1 runs it in the machine\'s namespace instead.'
    : 'the benchmark runs in the machine\'s own mount namespace (FSEVD_BENCH_SHARED_NS=1), so mounts made by anyone on the machine during the run reach fsevd too.';

/**
 * Unless already done (or FSEVD_BENCH_SHARED_NS=1), re-runs `script` in a private mount namespace
 * and exits with its status; returns only in the process that should do the work. Mounts made
 * there are invisible outside and vanish with the namespace, and others' mounts stay outside.
 */
export async function inPrivateMountNamespace(script: string): Promise<void> {
  if (process.env.FSEVD_BENCH_NS === 'private' || process.env.FSEVD_BENCH_SHARED_NS || !isRoot) return;
  const child = spawn('unshare', ['--mount', '--propagation', 'private', process.execPath, ...process.execArgv, script], {
    stdio: 'inherit',
    env: { ...process.env, FSEVD_BENCH_NS: 'private' },
  });
  // Ctrl-C reaches the child too (same process group); other signals are passed on. Either way
  // the child cleans up and this process just waits for it.
  process.removeAllListeners('SIGINT').on('SIGINT', () => undefined);
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) process.removeAllListeners(signal).on(signal, () => child.kill(signal));
  const [code] = (await once(child, 'exit')) as [number | null];
  process.exit(code ?? 1);
}

/** One mountinfo line: mount id and (unescaped) mount point. */
export interface MountLine {
  id: number;
  mountpoint: string;
}

/** Undoes mountinfo's octal escapes (\040 for space …). */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** The mount table of this mount namespace. */
export function mountTable(): MountLine[] {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const fields = line.split(' ');
      return { id: Number(fields[0]), mountpoint: unescape(fields[4] ?? '') };
    });
}

/** Mounts at or below `dir`. */
export function mountsUnder(dir: string): MountLine[] {
  return mountTable().filter((m) => m.mountpoint === dir || m.mountpoint.startsWith(`${dir}/`));
}

/**
 * Unmounts everything at or below `dir` (newest first, `umount -l` if busy) in one `sh -c`, checks
 * mountinfo, and removes `dir` only when nothing is mounted there any more. Synchronous, so it
 * can run from any cleanup path. Throws when mounts remain.
 */
export function teardownDir(dir: string): void {
  for (let attempt = 0; attempt < 3; attempt++) {
    const left = mountsUnder(dir).sort((a, b) => b.id - a.id);
    if (left.length === 0) break;
    try {
      execFileSync('sh', ['-c', 'for m in "$@"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done; true', 'sh', ...left.map((m) => m.mountpoint)], { stdio: 'ignore' });
    } catch (err) {
      note(`umount loop under ${dir} failed: ${(err as Error).message}`);
    }
  }
  const left = mountsUnder(dir);
  if (left.length > 0) throw new Error(`${left.length} mounts still under ${dir} (e.g. ${left[0]!.mountpoint}); not removing it`);
  rmSync(dir, { recursive: true, force: true });
}

/** A temp dir whose mounts and contents are torn down by the cleanup stack. */
export async function mountDir(prefix: string): Promise<{ dir: string; teardown: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const teardown = onCleanup(`unmount and remove ${dir}`, () => {
    teardownDir(dir);
    if (mountsUnder(dir).length === 0) note(`verified in /proc/self/mountinfo: nothing mounted under ${dir}`);
  });
  return { dir, teardown };
}

/** N bind mounts of subdirs of a private tmpfs, under one temp dir (`src/` and `binds/`). */
export class BindFarm {
  readonly dir: string;
  readonly count: number;
  readonly teardown: () => Promise<void>;
  #bound = false;

  private constructor(dir: string, count: number, teardown: () => Promise<void>) {
    this.dir = dir;
    this.count = count;
    this.teardown = teardown;
  }

  /** Creates the tmpfs and the directories; nothing is bound yet. */
  static async create(count: number): Promise<BindFarm> {
    const { dir, teardown } = await mountDir('fsevd-bench-binds-');
    const farm = new BindFarm(dir, count, teardown);
    mkdirSync(join(dir, 'src'));
    mkdirSync(join(dir, 'binds'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=700', 'fsevd-bench-src', join(dir, 'src')]);
    for (let i = 0; i < count; i++) {
      mkdirSync(join(dir, 'src', String(i)));
      mkdirSync(join(dir, 'binds', String(i)));
    }
    return farm;
  }

  /** Mount point prefix of the binds (for matching events). */
  get bindsDir(): string {
    return join(this.dir, 'binds');
  }

  /** All `mount --bind` calls in one `sh -c` loop; returns its wall time in ms. */
  bindAll(): number {
    if (this.#bound) return 0;
    const started = performance.now();
    execFileSync('sh', ['-c', 'i=0; while [ "$i" -lt "$2" ]; do mount --bind "$1/src/$i" "$1/binds/$i" || exit 1; i=$((i+1)); done', 'sh', this.dir, String(this.count)], { stdio: 'inherit' });
    this.#bound = true;
    return performance.now() - started;
  }

  /** Number of binds present now (from mountinfo). */
  present(): number {
    return mountsUnder(this.bindsDir).length;
  }

  /** All `umount` of the binds in one `sh -c` loop (the tmpfs stays); returns wall time in ms. */
  unbindAll(): number {
    const started = performance.now();
    const binds = mountsUnder(this.bindsDir).sort((a, b) => b.id - a.id).map((m) => m.mountpoint);
    if (binds.length > 0) execFileSync('sh', ['-c', 'for m in "$@"; do umount "$m" || exit 1; done', 'sh', ...binds], { stdio: 'inherit' });
    this.#bound = false;
    return performance.now() - started;
  }
}
