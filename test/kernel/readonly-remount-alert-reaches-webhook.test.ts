/**
 * End to end with the real components: a real Prometheus scrapes a running fsevd (and
 * node_exporter's filesystem collector), evaluates dashboards/alerts.yml (a test copy with every
 * `for:` set to 0s so that it finishes in seconds), and a real Alertmanager delivers to a webhook
 * receiver in this test. A loop-mounted ext4 remounted read-only must reach the webhook as
 * FsevdFilesystemReadOnly with its mount labels, and resolve after the remount back to rw. On the
 * way: fsevd's series join node_exporter's on device/fstype/mountpoint, a mount path with a
 * newline, quotes and non-UTF-8 bytes comes out of Prometheus' own parser with the documented
 * label, and every query of the Grafana dashboard runs on Prometheus.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse, stringify } from 'yaml';
import { startDaemon } from '../helpers/daemon.ts';
import { loopMount, makeExt4Image, needRoot, run, tempDir, unmount, waitFor } from '../helpers/system.ts';
import { dashboardQueries, needProgram, substituteVariables } from '../dashboards/promtool.ts';
import { query, startAlertmanager, startNodeExporter, startPrometheus, webhookReceiver } from '../dashboards/prom-stack.ts';

interface WebhookAlert {
  status: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** A PromQL string literal (Go's escapes are a superset of JSON's for what paths hold here). */
const str = (value: string) => JSON.stringify(value);

/** dashboards/alerts.yml with every `for:` at 0s, written to `dir`. */
async function rulesWithoutDelays(dir: string): Promise<string> {
  const rules = parse(await readFile('dashboards/alerts.yml', 'utf8')) as { groups: Array<{ rules: Array<{ for?: string }> }> };
  for (const rule of rules.groups.flatMap((g) => g.rules)) if (rule.for) rule.for = '0s';
  const file = join(dir, 'alerts.yml');
  await writeFile(file, stringify(rules));
  return file;
}

test('ext4 remounted read-only reaches a webhook through real Prometheus and Alertmanager', async (t) => {
  if (!needRoot(t)) return;
  for (const [program, pkg] of [['prometheus', 'prometheus'], ['prometheus-alertmanager', 'prometheus-alertmanager'], ['prometheus-node-exporter', 'prometheus-node-exporter']]) {
    if (!needProgram(t, program!, pkg!)) return;
  }
  const dir = await tempDir(t);
  const hook = await webhookReceiver(t);
  const alertmanager = await startAlertmanager(t, dir, hook.url);
  const daemon = await startDaemon(t, join(dir, 'state'));

  const mountpoint = join(dir, 'data "ro" test');
  await mkdir(mountpoint);
  await loopMount(t, await makeExt4Image(dir), mountpoint);
  const odd = Buffer.concat([Buffer.from(`${dir}/odd\n`), Buffer.from([0xff, 0x41])]);
  await mkdir(odd);
  await symlink(odd, join(dir, 'odd-link'));
  await run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'fsevd-e2e-odd', join(dir, 'odd-link')]);
  t.after(() => unmount(join(dir, 'odd-link')));

  const prometheus = await startPrometheus(t, dir, {
    targets: { fsevd: new URL(daemon.url).host, node: await startNodeExporter(t) },
    rulesFile: await rulesWithoutDelays(dir),
    alertmanager,
  });
  const ours = `mountpoint=${str(mountpoint)}`;
  // Prometheus' discovery hands over targets only every 5 s, so the first scrape takes a while.
  const writable = await waitFor('Prometheus scraped the rw mount', async () => {
    const result = await query(prometheus, `fsevd_filesystem_readonly{${ours}} == 0`);
    return result.length === 1 ? result[0]! : undefined;
  }, 30_000);
  assert.equal(writable.metric.job, 'fsevd');
  assert.equal(writable.metric.fstype, 'ext4');
  assert.match(writable.metric.device ?? '', /^\/dev\/loop\d+$/);

  const joined = await waitFor('the join with node_exporter', async () => {
    const result = await query(prometheus, `fsevd_filesystem_readonly{${ours}} and on (device, fstype, mountpoint) node_filesystem_readonly`);
    return result.length === 1 ? result : undefined;
  }, 15_000);
  assert.equal(joined[0]!.metric.mountpoint, mountpoint);

  const oddSeries = await query(prometheus, 'fsevd_filesystem_available{device="fsevd-e2e-odd"}');
  assert.equal(oddSeries.length, 1);
  assert.equal(oddSeries[0]!.metric.mountpoint, `${dir}/odd\n\\xffA`, 'Prometheus reads back the newline and the \\xNN of the bad byte');

  for (const { panel, expr } of dashboardQueries()) {
    await assert.doesNotReject(query(prometheus, substituteVariables(expr)), `dashboard panel ${panel}: ${expr}`);
  }
  const firingFor = (status: string) => () =>
    hook.posts
      .flatMap((post) => (post.alerts ?? []) as WebhookAlert[])
      .find((alert) => alert.status === status && alert.labels.alertname === 'FsevdFilesystemReadOnly' && alert.labels.mountpoint === mountpoint);
  assert.equal(firingFor('firing')(), undefined, 'no read-only alert while the mount is writable');

  await run('mount', ['-o', 'remount,ro', mountpoint]);
  const alert = await waitFor('FsevdFilesystemReadOnly at the webhook', firingFor('firing'), 30_000);
  assert.deepEqual(
    { ...alert.labels },
    { alertname: 'FsevdFilesystemReadOnly', severity: 'critical', job: 'fsevd', instance: new URL(daemon.url).host, device: writable.metric.device, fstype: 'ext4', mountpoint },
  );
  assert.equal(alert.annotations.summary, `${mountpoint} on ${new URL(daemon.url).host} went read-only`);

  await run('mount', ['-o', 'remount,rw', mountpoint]);
  await waitFor('the alert resolved at the webhook', firingFor('resolved'), 30_000);
});
