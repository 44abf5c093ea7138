/**
 * A real daemon's /metrics follows real mounts: tmpfs mounts whose paths and device names hold
 * spaces, a newline, quotes, backslashes and bytes that are not UTF-8 appear with those exact
 * labels (read back by a parser of the format, not fsevd's code), the live scrape passes
 * `promtool check metrics` with no finding, a remount read-only shows, the mount events are
 * counted, and the series of an unmounted filesystem disappear.
 */
import assert from 'node:assert/strict';
import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { decodeBytes } from '../../src/util/bytes.ts';
import { startDaemon } from '../helpers/daemon.ts';
import { needRoot, run, tempDir, unmount, waitFor } from '../helpers/system.ts';
import { needProgram, parseSamples, promtool, type Sample } from '../dashboards/promtool.ts';

/** A directory name as raw bytes, the mount point the kernel will report, and a UTF-8 path to reach it. */
interface OddMount {
  mountpoint: string;
  /** What the mountpoint label must read: \xNN for each byte that is not UTF-8. */
  label: string;
  link: string;
  device: string;
}

test('live /metrics labels real mounts exactly, passes promtool, and follows remount and unmount', async (t) => {
  if (!needRoot(t) || !needProgram(t, 'promtool', 'prometheus')) return;
  const dir = await tempDir(t);
  const daemon = await startDaemon(t, join(dir, 'state'));
  const names: Array<[Buffer, string]> = [
    [Buffer.from('with space'), 'with space'],
    [Buffer.from('new\nline'), 'new\nline'],
    [Buffer.from('q"uote\'s'), 'q"uote\'s'],
    [Buffer.from('back\\slash\\'), 'back\\slash\\'],
    [Buffer.from([0x62, 0xff, 0xfe, 0x2e]), 'b\\xff\\xfe.'],
  ];
  const mounts: OddMount[] = [];
  for (const [index, [name, label]] of names.entries()) {
    // argv is UTF-8, so mount(8) gets a plain symlink to the odd directory; the kernel records the real path.
    const real = Buffer.concat([Buffer.from(`${dir}/`), name]);
    await mkdir(real);
    const link = join(dir, `link${index}`);
    await symlink(real, link);
    const device = `fsevd "metrics" ${index}\\`;
    await run('mount', ['-t', 'tmpfs', '-o', 'size=1m', device, link]);
    t.after(() => unmount(link));
    mounts.push({ mountpoint: decodeBytes(real), label: `${dir}/${label}`, link, device });
  }

  const scrape = async () => {
    const response = await fetch(`${daemon.url}/metrics`);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    return response.text();
  };
  const find = (samples: Sample[], name: string, mount: OddMount) => samples.find((s) => s.name === name && s.labels.mountpoint === mount.label);

  const text = await waitFor('every mount on /metrics', async () => {
    const body = await scrape();
    const samples = parseSamples(body);
    return mounts.every((m) => find(samples, 'fsevd_filesystem_readonly', m)) ? body : undefined;
  });
  const checked = await promtool(['check', 'metrics'], text);
  assert.equal(checked.code, 0, `promtool check metrics on the live scrape: ${checked.stdout}${checked.stderr}`);
  const samples = parseSamples(text);
  for (const mount of mounts) {
    const readonly = find(samples, 'fsevd_filesystem_readonly', mount)!;
    assert.deepEqual(readonly.labels, { device: mount.device, fstype: 'tmpfs', mountpoint: mount.label });
    assert.equal(readonly.value, 0);
    assert.equal(find(samples, 'fsevd_filesystem_available', mount)?.value, 1);
    assert.equal(samples.find((s) => s.name === 'fsevd_filesystem_events_total' && s.labels.mountpoint === mount.label && s.labels.type === 'MOUNT')?.value, 1);
  }
  const mountEvents = samples.find((s) => s.name === 'fsevd_events_total' && s.labels.type === 'MOUNT' && s.labels.source === 'mountinfo');
  assert.ok(mountEvents && mountEvents.value >= mounts.length, 'MOUNT events are counted by type and source');
  assert.equal(samples.find((s) => s.name === 'fsevd_source_up' && s.labels.source === 'mountinfo')?.value, 1);

  const [roMount, goneMount] = [mounts[1]!, mounts[4]!];
  await run('mount', ['-o', 'remount,ro', roMount.link]);
  await waitFor('read-only on /metrics', async () => (find(parseSamples(await scrape()), 'fsevd_filesystem_readonly', roMount)?.value === 1 ? true : undefined));

  await unmount(goneMount.link);
  const after = await waitFor('unmounted series gone', async () => {
    const body = await scrape();
    return body.includes(goneMount.label.slice(dir.length).replaceAll('\\', '\\\\')) ? undefined : body;
  });
  const left = parseSamples(after);
  assert.equal(left.filter((s) => s.labels.mountpoint === goneMount.label).length, 0);
  assert.ok(find(left, 'fsevd_filesystem_readonly', mounts[0]!), 'the other mounts stay');
});
