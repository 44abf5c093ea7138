/**
 * Real quota warnings: ext4 with the quota feature, limits for a test uid (1024/2048 KiB,
 * 20/30 inodes), writes as that uid past the soft then the hard limit, then deletes. The kernel
 * sends QUOTA_NL_BSOFTWARN, BHARDWARN (the writer gets EDQUOT), ISOFTWARN, IHARDWARN, and the
 * BELOW warnings once the files are gone, on the VFS_DQUOT family: each must reach the quota
 * source as its QUOTA_* type on the loop device's major:minor with the uid.
 * Needs a kernel with a quota format (CONFIG_QFMT_V2) and the quota tools; this project's CI
 * kernel has neither format (observed-on-this-kernel.md §5), so the test tries the mount and
 * skips with the kernel's own refusal.
 */
import assert from 'node:assert/strict';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { loopMount, needRoot, run, tempDir, waitFor } from '../helpers/system.ts';
import { startSources } from '../helpers/sources.ts';

const UID = 1001;

/** Runs argv as the test uid (setpriv, no shell); resolves with whether it succeeded. */
const asUser = (argv: string[]) => run('setpriv', ['--reuid', String(UID), '--regid', String(UID), '--clear-groups', ...argv]).then(() => true, () => false);

test('ext4 quota: soft, hard and below warnings for a uid reach the quota source on its mount', async (t) => {
  if (!needRoot(t)) return;
  const setquota = await run('sh', ['-c', 'command -v setquota']).catch(() => '');
  if (!setquota.trim()) return t.skip('the quota tools (Debian package "quota") are not installed');
  const dir = await tempDir(t);
  const image = join(dir, 'quota.img');
  const mnt = join(dir, 'mnt');
  await mkdir(mnt);
  await run('truncate', ['-s', '64M', image]);
  await run('mkfs.ext4', ['-q', '-F', '-O', 'quota', '-E', 'quotatype=usrquota', image]);
  try {
    await loopMount(t, image, mnt, 'loop,usrquota');
  } catch (err) {
    return t.skip(`this kernel cannot mount ext4 with quotas (needs CONFIG_QUOTA and CONFIG_QFMT_V2): ${(err as Error).message}`);
  }
  const sources = await startSources(t, { quota: {} });
  if (sources.health('quota').state !== 'up') return t.skip(`quota source down: ${sources.health('quota').reason}`);
  await run('setquota', ['-u', String(UID), '1024', '2048', '20', '30', mnt]);
  const dev = await stat(mnt);
  const [major, minor] = [Math.floor(dev.dev / 256) & 0xfff, (dev.dev & 0xff) | ((dev.dev >> 12) & 0xfff00)];
  const work = join(mnt, 'user');
  await mkdir(work);
  await run('chown', [String(UID), work]);

  const seen = (type: string) => sources.observations.find((o) => o.type === type && o.data.uid === UID);
  await asUser(['dd', 'if=/dev/zero', `of=${join(work, 'a')}`, 'bs=1K', 'count=1536', 'conv=fsync']);
  await waitFor('QUOTA_BLOCKS_SOFT', () => seen('QUOTA_BLOCKS_SOFT'));
  assert.equal(await asUser(['dd', 'if=/dev/zero', `of=${join(work, 'b')}`, 'bs=1K', 'count=1024', 'conv=fsync']), false, 'EDQUOT past the hard limit');
  await waitFor('QUOTA_BLOCKS_HARD', () => seen('QUOTA_BLOCKS_HARD'));
  for (let i = 0; i < 31; i++) await asUser(['touch', join(work, `f${i}`)]);
  await waitFor('QUOTA_INODES_SOFT', () => seen('QUOTA_INODES_SOFT'));
  await waitFor('QUOTA_INODES_HARD', () => seen('QUOTA_INODES_HARD'));
  await rm(work, { recursive: true });
  await run('sync', []);
  await waitFor('QUOTA_BLOCKS_BELOW', () => seen('QUOTA_BLOCKS_BELOW'));
  await waitFor('QUOTA_INODES_BELOW', () => seen('QUOTA_INODES_BELOW'));
  for (const obs of sources.observations.filter((o) => o.type.startsWith('QUOTA_'))) {
    assert.deepEqual(obs.mount, { devno: { major, minor } }, `${obs.type} names the filesystem's device`);
    assert.equal(obs.data.quotaType, 'user');
  }
});
