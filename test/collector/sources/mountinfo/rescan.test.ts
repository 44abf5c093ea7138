/**
 * The mountinfo source's looks again (refresh()): a table whose bytes did not move is not parsed
 * again, a table that moved is, and the safety re-read always does the whole reading, which is
 * what picks up identity that came after the mount (a by-uuid link udev made later). Fixture
 * paths stand for /proc, /sys and /dev, so what the source reads is under the test's control.
 */
import assert from 'node:assert/strict';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { create } from '../../../../src/collector/sources/mountinfo/index.ts';
import { fakeContext } from '../../../helpers/fake-context.ts';
import { tempDir, waitFor } from '../../../helpers/system.ts';

const ROOT_LINE = '20 1 0:20 / / rw,relatime - tmpfs root rw\n';
const ext4Line = (superOptions: string) => `31 20 7:3 / /mnt/data rw,relatime - ext4 /dev/loop3 ${superOptions}\n`;

test('a look finds an unchanged table unparsed; a moved table or the safety re-read is read whole', async (t) => {
  const dir = await tempDir(t);
  const paths = { proc: join(dir, 'proc'), sys: join(dir, 'sys'), dev: join(dir, 'dev') };
  await mkdir(join(paths.proc, 'self'), { recursive: true });
  await mkdir(join(paths.sys, 'dev/block'), { recursive: true });
  await mkdir(join(paths.dev, 'disk/by-uuid'), { recursive: true });
  await symlink('../../devices/virtual/block/loop3', join(paths.sys, 'dev/block/7:3'));
  const mountinfo = join(paths.proc, 'self/mountinfo');
  await writeFile(mountinfo, ROOT_LINE + ext4Line('rw'));

  const fake = fakeContext([], paths);
  let now = Date.parse('2026-11-23T00:00:00Z');
  fake.ctx.now = () => now;
  const source = create({ enabled: true, safetyIntervalMs: 30_000, fallbackIntervalMs: 600_000 }, { mountTable: fake.table });
  await source.start(fake.ctx);
  t.after(() => source.stop());
  const data = () => fake.table.all().find((e) => e.mountpoint === '/mnt/data');
  assert.equal(data()?.kernelName, 'loop3');
  assert.equal(data()?.uuid, undefined);

  // udev makes the link after the mount: same bytes, so a look within the safety interval skips the reading.
  await symlink('../../loop3', join(paths.dev, 'disk/by-uuid/0f1e2d3c-aaaa-bbbb-cccc-123456789abc'));
  source.refresh('test');
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(data()?.uuid, undefined, 'unchanged bytes are not parsed and enriched again');

  // The table moves (the kernel set emergency_ro): read whole at once, and the link is seen too.
  await writeFile(mountinfo, ROOT_LINE + ext4Line('ro,emergency_ro'));
  source.refresh('test');
  await waitFor('the remount', () => fake.emitted.find((o) => o.type === 'REMOUNT'));
  assert.equal(data()?.uuid, '0f1e2d3c-aaaa-bbbb-cccc-123456789abc');

  // Identity that changes with the same bytes is picked up once the safety interval has passed.
  await symlink('../../loop3', join(paths.dev, 'disk/by-uuid/99999999-aaaa-bbbb-cccc-123456789abc'));
  await rm(join(paths.dev, 'disk/by-uuid/0f1e2d3c-aaaa-bbbb-cccc-123456789abc'));
  source.refresh('test');
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal(data()?.uuid, '0f1e2d3c-aaaa-bbbb-cccc-123456789abc');
  now += 30_000;
  source.refresh('interval');
  await waitFor('the safety re-read', () => (data()?.uuid === '99999999-aaaa-bbbb-cccc-123456789abc' ? true : undefined));
});
