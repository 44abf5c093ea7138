/**
 * A data block of a single-copy btrfs damaged on disk and read back: the reader gets EIO, btrfs
 * adds to corruption_errs in /sys/fs/btrfs/<fsid>/devinfo/1/error_stats, and the sysfs source
 * reports the rise as FS_ERROR (counter corruption_errs) on that filesystem — the signal that is
 * still there when the kernel log's "csum failed" lines are rate-limited away. btrfs emits no
 * FAN_FS_ERROR on this kernel (shared/reference/observed-on-this-kernel.md §3).
 */
import assert from 'node:assert/strict';
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { loopMount, needRoot, run, tempDir, waitFor } from '../helpers/system.ts';
import { startSources } from '../helpers/sources.ts';

const BLOCK = 4096;

test('btrfs corruption_errs rising is reported by the sysfs source as FS_ERROR', async (t) => {
  if (!needRoot(t)) return;
  if (!(await run('sh', ['-c', 'command -v mkfs.btrfs']).then(() => true, () => false))) {
    t.skip('needs mkfs.btrfs (btrfs-progs; scripts/test-deps.sh installs it)');
    return;
  }
  const dir = await tempDir(t);
  const image = join(dir, 'single.img');
  const mountpoint = join(dir, 'mnt');
  await run('truncate', ['-s', '160M', image]);
  await run('mkfs.btrfs', ['-q', '-f', '-d', 'single', '-m', 'dup', image]);
  await mkdir(mountpoint);
  await loopMount(t, image, mountpoint);
  // Blocks that each carry a unique tag, so the damaged one can be found in the image.
  const victim = join(mountpoint, 'victim.dat');
  const tag = (n: number) => `FSEVDBLK${String(n).padStart(6, '0')}|`;
  await writeFile(victim, Buffer.concat(Array.from({ length: 16 }, (_, n) => Buffer.alloc(BLOCK, tag(n)))));
  await run('sync', []);

  const sources = await startSources(t, { mountinfo: {}, sysfs: { followUpMs: 200 } });
  const entry = await waitFor('btrfs mount in the table', () => sources.table.all().find((e) => e.mountpoint === mountpoint));
  const watched = await waitFor('error_stats baseline', () => {
    const list = (sources.health('sysfs').detail?.filesystems ?? []) as Array<{ mountpoint: string; dir?: string; baseline?: Record<string, number> }>;
    return list.find((f) => f.mountpoint === mountpoint && f.baseline);
  });
  assert.equal(watched.baseline?.['1/corruption_errs'], 0);

  const offset = (await readFile(image)).indexOf(tag(5));
  assert.ok(offset > 0 && offset % BLOCK === 0, `block 5 found in the image at ${offset}`);
  const handle = await open(image, 'r+');
  await handle.write(Buffer.alloc(BLOCK, 'X'), 0, BLOCK, offset);
  await handle.close();
  // Drop the file's cached pages so the read goes to the (damaged) disk.
  await run('dd', [`if=${victim}`, 'iflag=nocache', 'count=0', 'status=none']);
  await assert.rejects(run('cat', [victim]), /Input\/output error/);

  (sources.source('sysfs') as unknown as { refresh(reason: string): void }).refresh('test');
  const found = await waitFor('sysfs FS_ERROR for corruption_errs', () =>
    sources.observations.find((o) => o.source === 'sysfs' && o.data.counter === 'corruption_errs' && o.mount?.devno?.minor === entry.minor && o.mount.devno.major === entry.major),
  );
  assert.equal(found.type, 'FS_ERROR');
  assert.ok((found.data.delta as number) >= 1);
  assert.equal(found.data.devid, 1);
  assert.equal(found.data.fsUuid, watched.dir?.split('/').pop());
});
