/**
 * Hot reload through a real daemon: POST /api/v1/rules/reload (admin only) and SIGHUP read the
 * rules file again; an invalid file is refused (400 naming the rule and field; an error in the
 * log for SIGHUP) and the rules in force stay; a valid one replaces them. Secrets in the rules
 * never show in GET /api/v1/rules.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir, waitFor } from '../helpers/system.ts';
import { ADMIN_TOKEN, startConfiguredDaemon } from '../helpers/thresholds.ts';

const rule = (name: string) => ({ name, match: { types: ['FS_ERROR'] }, actions: [{ type: 'webhook', url: 'http://127.0.0.1:9/x', secret: 'super-secret-value-123', headers: { Authorization: 'Bearer hidden-token' } }] });

test('reload by API and SIGHUP: invalid files are refused and the rules in force stay', async (t) => {
  const dir = await tempDir(t);
  const file = join(dir, 'rules.yaml');
  await writeFile(file, JSON.stringify({ rules: [rule('first')] }));
  const daemon = await startConfiguredDaemon(t, dir, { rules: { file } });
  const names = async () => (await daemon.get<{ rules: Array<{ name: string }> }>('/api/v1/rules')).rules.map((r) => r.name);
  assert.deepEqual(await names(), ['first']);
  const shown = JSON.stringify(await daemon.get('/api/v1/rules'));
  assert.ok(!shown.includes('super-secret-value') && !shown.includes('hidden-token'), 'secrets are redacted');

  const reload = (token?: string) => fetch(`${daemon.url}/api/v1/rules/reload`, { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {} });
  assert.equal((await reload()).status, 401);
  await writeFile(file, JSON.stringify({ rules: [{ ...rule('second'), match: { types: ['NOPE'] } }] }));
  const refused = await reload(ADMIN_TOKEN);
  assert.equal(refused.status, 400);
  assert.match(((await refused.json()) as { message: string }).message, /rule "second" \(#1\) \/match\/types\/0/);
  assert.deepEqual(await names(), ['first']);

  await writeFile(file, JSON.stringify({ rules: [rule('second'), rule('third')] }));
  const accepted = await reload(ADMIN_TOKEN);
  assert.equal(accepted.status, 200);
  assert.deepEqual(await accepted.json(), { rules: 2 });
  assert.deepEqual(await names(), ['second', 'third']);

  await writeFile(file, 'rules: [ {name: broken');
  daemon.child.kill('SIGHUP');
  await waitFor('the SIGHUP refusal in the log', () => daemon.logs.find((l) => l.msg === 'Rules reload rejected; keeping the rules in force'));
  assert.deepEqual(await names(), ['second', 'third']);
  await writeFile(file, JSON.stringify({ rules: [rule('fourth')] }));
  daemon.child.kill('SIGHUP');
  await waitFor('the SIGHUP reload', async () => ((await names()).join() === 'fourth' ? true : undefined));
});
