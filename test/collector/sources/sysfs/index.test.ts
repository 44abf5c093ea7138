/**
 * The sysfs source over a fixture tree laid out like /sys/fs/ext4 and /sys/fs/btrfs (the real
 * counters are driven in tests/kernel/): baselines are not news, rises are, refresh() reads at
 * once and once more later, a missing directory is reported in health, and a device unmounted
 * and mounted again never compares one filesystem's counters with another's.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { create } from '../../../../src/collector/sources/sysfs/index.ts';
import type { MountEntry } from '../../../../src/collector/types.ts';
import { fakeContext, mountEntry } from '../../../helpers/fake-context.ts';
import { waitFor } from '../../../helpers/system.ts';

const UUID = '8287ce67-5f66-4853-b49b-ed7e1fd5cb18';
const EXT4 = mountEntry(10, '7:3', '/data', 'ext4', { kernelName: 'loop3', device: '/dev/loop3' });
const BTRFS = mountEntry(11, '0:50', '/pool', 'btrfs', { device: '/dev/loop4' });

async function fixture(t: TestContext) {
  const sys = await mkdtemp(join(tmpdir(), 'fsevd-sysfs-'));
  t.after(() => rm(sys, { recursive: true, force: true }));
  const ext4 = join(sys, 'fs/ext4/loop3');
  const btrfs = join(sys, 'fs/btrfs', UUID);
  await mkdir(ext4, { recursive: true });
  await mkdir(join(btrfs, 'devices'), { recursive: true });
  await mkdir(join(btrfs, 'devinfo/1'), { recursive: true });
  await writeFile(join(btrfs, 'devices/loop4'), '');
  const setExt4 = (files: Record<string, string | number>) => Promise.all(Object.entries(files).map(([name, value]) => writeFile(join(ext4, name), `${value}\n`)));
  const setBtrfs = (stats: Record<string, number>) =>
    writeFile(join(btrfs, 'devinfo/1/error_stats'), Object.entries({ write_errs: 0, read_errs: 0, flush_errs: 0, corruption_errs: 0, generation_errs: 0, ...stats }).map(([k, v]) => `${k} ${v}\n`).join(''));
  await setExt4({ errors_count: 2, warning_count: 0, last_error_errcode: 5 });
  await setBtrfs({});
  return { sys, setExt4, setBtrfs };
}

async function started(t: TestContext, entries: MountEntry[], followUpMs = 0) {
  const files = await fixture(t);
  const fake = fakeContext(entries, { sys: files.sys });
  const source = create({ enabled: true, intervalMs: 60_000, followUpMs }, { mountTable: fake.table });
  await source.start(fake.ctx);
  t.after(() => source.stop());
  const filesystems = () => (fake.health.detail?.filesystems ?? []) as Array<{ mountpoint: string; current?: Record<string, number>; baseline?: Record<string, number>; reason?: string }>;
  const settled = (mountpoint: string, counter: string, value: number) =>
    waitFor(`${mountpoint} ${counter} = ${value}`, () => (filesystems().find((f) => f.mountpoint === mountpoint)?.current?.[counter] === value ? true : undefined));
  return { ...files, fake, source, filesystems, settled };
}

test('the first reading is a baseline shown in health, not reported', async (t) => {
  const { fake, filesystems } = await started(t, [EXT4, BTRFS]);
  assert.equal(fake.health.state, 'up');
  assert.deepEqual(fake.emitted, []);
  const data = filesystems().find((f) => f.mountpoint === '/data');
  assert.deepEqual(data?.baseline, { errors_count: 2, warning_count: 0 });
  assert.equal(filesystems().find((f) => f.mountpoint === '/pool')?.baseline?.['1/corruption_errs'], 0);
});

test('rises are reported on the superblock: ext4 errors and warnings, btrfs corruption and read errors', async (t) => {
  const { fake, source, setExt4, setBtrfs, settled } = await started(t, [EXT4, BTRFS]);
  await setExt4({ errors_count: 3, warning_count: 2, last_error_errcode: 4, last_error_ino: 12, last_error_func: 'htree_dirblock_to_tree' });
  await setBtrfs({ corruption_errs: 2, read_errs: 1 });
  source.refresh('test');
  await settled('/pool', '1/corruption_errs', 2);
  const summary = fake.emitted.map((o) => [o.type, o.mount?.devno, o.data.counter, o.data.delta]);
  assert.deepEqual(summary, [
    ['FS_ERROR', { major: 7, minor: 3 }, 'errors_count', 1],
    ['FS_WARNING', { major: 7, minor: 3 }, 'warning_count', 2],
    ['IO_ERROR', { major: 0, minor: 50 }, 'read_errs', 1],
    ['FS_ERROR', { major: 0, minor: 50 }, 'corruption_errs', 2],
  ]);
  assert.equal(fake.emitted[0]?.data.errno, 74);
  assert.equal(fake.emitted[0]?.data.inode, 12);
  assert.equal(fake.emitted[3]?.data.fsUuid, UUID);
});

test('refresh() reads again after followUpMs, catching a counter the kernel updates late', async (t) => {
  const { fake, source, setExt4, settled } = await started(t, [EXT4], 100);
  source.refresh('error published');
  await settled('/data', 'errors_count', 2);
  await setExt4({ errors_count: 5 });
  await waitFor('the follow-up reading', () => fake.emitted.find((o) => o.data.counter === 'errors_count'));
  assert.equal(fake.emitted[0]?.data.delta, 3);
});

test('a filesystem without a sysfs directory is reported in health and the others carry on', async (t) => {
  const { fake, filesystems } = await started(t, [mountEntry(12, '7:9', '/lost', 'ext4', { kernelName: 'loop9' }), EXT4]);
  assert.match(filesystems().find((f) => f.mountpoint === '/lost')?.reason ?? '', /no readable counter/);
  assert.equal(fake.health.detail?.readErrors, 1);
  assert.deepEqual(filesystems().find((f) => f.mountpoint === '/data')?.baseline, { errors_count: 2, warning_count: 0 });
});

test('a mount that appears gets a baseline at once; a device mounted again is a new baseline, not a rise', async (t) => {
  const { fake, setExt4, settled, filesystems } = await started(t, []);
  await setExt4({ errors_count: 7 });
  fake.table.replace([EXT4]);
  await settled('/data', 'errors_count', 7);
  assert.deepEqual(fake.emitted, [], 'errors recorded before the mount are not news');

  await setExt4({ errors_count: 9 });
  fake.table.replace([{ ...EXT4, mountId: 20 }]); // unmounted and mounted again between two readings
  await settled('/data', 'errors_count', 9);
  assert.deepEqual(fake.emitted, []);
  assert.equal(filesystems().find((f) => f.mountpoint === '/data')?.baseline?.errors_count, 9);
});
