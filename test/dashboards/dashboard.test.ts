/**
 * dashboards/fsevd.json is an importable Grafana dashboard: datasource, instance and mountpoint
 * variables, every panel on the datasource variable with unique ids, every query valid PromQL
 * (checked by the real promtool, as recording rules, after substituting Grafana's variables) and
 * selecting only metrics the daemon defines, and the sections the issue asks for.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { tempDir } from '../helpers/system.ts';
import { dashboardQueries, definedFamilies, familyOf, metricNamesIn, needProgram, promtool, substituteVariables } from './promtool.ts';

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: Array<{ expr: string; refId: string; datasource?: { uid: string } }>;
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  templating: { list: Array<{ name: string; type: string; query: unknown }> };
  panels: Panel[];
}

const load = async () => JSON.parse(await readFile('dashboards/fsevd.json', 'utf8')) as Dashboard;

test('the dashboard has datasource, instance and mountpoint variables and every panel uses the datasource variable', async () => {
  const dashboard = await load();
  assert.ok(dashboard.uid && dashboard.title && dashboard.schemaVersion >= 30);
  const variables = new Map(dashboard.templating.list.map((v) => [v.name, v]));
  assert.equal(variables.get('datasource')?.type, 'datasource');
  assert.equal(variables.get('datasource')?.query, 'prometheus');
  assert.equal(variables.get('instance')?.type, 'query');
  assert.equal(variables.get('mountpoint')?.type, 'query');
  const ids = dashboard.panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
  for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
    assert.equal(panel.datasource?.uid, '${datasource}', `${panel.title} datasource`);
    assert.ok(panel.targets && panel.targets.length > 0, `${panel.title} has no query`);
    for (const target of panel.targets) assert.match(target.expr, /\$instance/, `${panel.title}: query not limited to $instance`);
  }
});

test('the dashboard covers mount health, space, errors, events and the daemon', async () => {
  const dashboard = await load();
  const rows = dashboard.panels.filter((p) => p.type === 'row').map((p) => p.title);
  assert.deepEqual(rows, ['Overview', 'Mount health', 'Space', 'Errors', 'Events', 'Daemon health']);
  const used = new Set(dashboardQueries().flatMap((q) => metricNamesIn(q.expr)));
  for (const name of ['fsevd_filesystem_available', 'fsevd_filesystem_readonly', 'fsevd_filesystem_avail_bytes', 'fsevd_filesystem_time_to_full_seconds', 'fsevd_filesystem_avail_thresholds_crossed', 'fsevd_filesystem_errors_total', 'fsevd_filesystem_corrected_errors_total', 'fsevd_events_total', 'fsevd_source_up', 'fsevd_source_events_lost_total']) {
    assert.ok(used.has(name), `no panel shows ${name}`);
  }
});

test('every query selects only metrics the daemon defines', async () => {
  const families = await definedFamilies();
  for (const { panel, expr } of dashboardQueries()) {
    for (const name of metricNamesIn(expr)) assert.ok(familyOf(name, families), `${panel} uses ${name}, which fsevd does not define`);
  }
});

test('every query and variable is valid PromQL for promtool', async (t) => {
  if (!needProgram(t, 'promtool', 'prometheus')) return;
  const dashboard = await load();
  const exprs = dashboardQueries().map((q) => q.expr);
  // label_values(...) is Grafana's, not PromQL: its selector is what Prometheus evaluates.
  for (const variable of dashboard.templating.list) {
    const query = (variable.query as { query?: string } | undefined)?.query;
    const selector = query && /^label_values\((.+),\s*\w+\)$/.exec(query)?.[1];
    if (selector) exprs.push(selector);
  }
  const rules = { groups: [{ name: 'dashboard', rules: exprs.map((expr, i) => ({ record: `dashboard:query_${i}`, expr: substituteVariables(expr) })) }] };
  const dir = await tempDir(t);
  const file = join(dir, 'dashboard-queries.yml');
  await writeFile(file, stringify(rules));
  const result = await promtool(['check', 'rules', file]);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout, new RegExp(`SUCCESS: ${exprs.length} rules found`));
});
