/**
 * A scrape never touches a mount: with a real FUSE filesystem (bindfs) whose server is stopped
 * (SIGSTOP, so that any statfs of it hangs in the kernel), GET /metrics keeps answering, passes
 * promtool, and shows the mount unavailable (fsevd_filesystem_available 0, FS_UNAVAILABLE in its
 * event counter) once the daemon's probe times out; after SIGCONT it shows it available again.
 * The server is always continued, killed and lazily unmounted, even when the test fails.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { startConfiguredDaemon } from '../helpers/thresholds.ts';
import { BINDFS, fuseServers } from '../helpers/fuse.ts';
import { needRoot, tempDir, waitFor } from '../helpers/system.ts';
import { needProgram, parseSamples, promtool } from '../dashboards/promtool.ts';

test('/metrics answers while a FUSE server is stopped and shows the mount unavailable, then available', async (t) => {
  if (!needRoot(t) || !needProgram(t, 'promtool', 'prometheus')) return;
  if (!BINDFS) return void t.skip('needs bindfs (Debian package bindfs; scripts/test-deps.sh installs it)');
  const fuse = fuseServers(t);
  const dir = await tempDir(t);
  const source = join(dir, 'source');
  const mnt = join(dir, 'mnt');
  await mkdir(source);
  await mkdir(mnt);
  const server = fuse.start(source, mnt);
  const daemon = await startConfiguredDaemon(t, dir, { sources: { statfs: { fuse: { maxIntervalMs: 300, timeoutMs: 1000 } } } });

  /** One scrape, which must answer even though a mount hangs; the FUSE mount's samples by family. */
  const scrape = async () => {
    const response = await fetch(`${daemon.url}/metrics`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(response.status, 200);
    const text = await response.text();
    const mine = parseSamples(text).filter((s) => s.labels.mountpoint === mnt);
    return { text, value: (name: string, type?: string) => mine.find((s) => s.name === name && (type === undefined || s.labels.type === type))?.value };
  };
  await waitFor('the FUSE mount sampled and available on /metrics', async () => {
    const { value } = await scrape();
    return value('fsevd_filesystem_available') === 1 && value('fsevd_filesystem_avail_bytes') !== undefined ? true : undefined;
  }, 30_000);

  server.kill('SIGSTOP');
  const hung = await waitFor('the mount unavailable on /metrics while its server is stopped', async () => {
    const scraped = await scrape();
    return scraped.value('fsevd_filesystem_available') === 0 ? scraped : undefined;
  }, 30_000);
  // How many transitions the probe reports is the statfs source's business (its own tests); here: counted.
  assert.ok((hung.value('fsevd_filesystem_events_total', 'FS_UNAVAILABLE') ?? 0) >= 1, 'FS_UNAVAILABLE is counted on the mount');
  assert.equal(hung.value('fsevd_filesystem_errors_total'), 0, 'unavailability is not counted as a filesystem error');
  const checked = await promtool(['check', 'metrics'], hung.text);
  assert.equal(checked.code, 0, checked.stdout + checked.stderr);

  server.kill('SIGCONT');
  await waitFor('the mount available again on /metrics', async () => ((await scrape()).value('fsevd_filesystem_available') === 1 ? true : undefined), 30_000);
});
