/**
 * dashboards/alerts.yml with the real promtool: the rules are valid, their unit tests in
 * dashboards/alerts.test.yml pass, every alert has a unit test in which it fires, and every metric
 * the rules use is one the daemon defines.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { parse } from 'yaml';
import { definedFamilies, familyOf, metricNamesIn, needProgram, promtool } from './promtool.ts';

interface RuleFile {
  groups: Array<{ name: string; rules: Array<{ alert?: string; record?: string; expr: string; for?: string; labels?: Record<string, string> }> }>;
}
interface RuleTests {
  rule_files: string[];
  tests: Array<{ alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
}

const rulesOf = async () => (parse(await readFile('dashboards/alerts.yml', 'utf8')) as RuleFile).groups.flatMap((g) => g.rules);

test('promtool check rules accepts dashboards/alerts.yml', async (t) => {
  if (!needProgram(t, 'promtool', 'prometheus')) return;
  const result = await promtool(['check', 'rules', 'dashboards/alerts.yml']);
  assert.equal(result.code, 0, result.stdout + result.stderr);
});

test('promtool test rules passes dashboards/alerts.test.yml', async (t) => {
  if (!needProgram(t, 'promtool', 'prometheus')) return;
  const result = await promtool(['test', 'rules', 'dashboards/alerts.test.yml']);
  assert.equal(result.code, 0, result.stdout + result.stderr);
});

test('every alert has a unit test in which it fires, and each has a severity and annotations', async () => {
  const tests = parse(await readFile('dashboards/alerts.test.yml', 'utf8')) as RuleTests;
  assert.deepEqual(tests.rule_files, ['alerts.yml']);
  const firing = new Set(tests.tests.flatMap((c) => c.alert_rule_test ?? []).filter((c) => c.exp_alerts.length > 0).map((c) => c.alertname));
  const alerts = (await rulesOf()).filter((r) => r.alert);
  assert.ok(alerts.length >= 10);
  for (const rule of alerts) {
    assert.ok(firing.has(rule.alert!), `${rule.alert} has no unit test in which it fires`);
    assert.match(rule.labels?.severity ?? '', /^(warning|critical)$/, `${rule.alert} severity`);
  }
});

test('the rules use only metrics the daemon defines', async () => {
  const families = await definedFamilies();
  for (const rule of await rulesOf()) {
    const names = metricNamesIn(rule.expr);
    assert.ok(names.length > 0, `${rule.alert}: no fsevd metric in ${rule.expr}`);
    for (const name of names) assert.ok(familyOf(name, families), `${rule.alert} uses ${name}, which fsevd does not define`);
  }
});
