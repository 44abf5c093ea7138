/**
 * The rules journal (rules-state.json) across engine restarts: an instance that fired is undone by
 * a resolving event after the restart; a `for` that was counting keeps counting; a run cut short
 * is run again only when its action is idempotent; a torn or foreign file does not stop the engine.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { RulesEngine } from '../../src/rules/index.ts';
import { RULES_STATE_FILE, type RulesSnapshot } from '../../src/rules/state-file.ts';
import { tempDir, waitFor } from '../helpers/system.ts';
import { event, recorder, rulesOf, silent } from './helpers.ts';

const rule = { name: 'gone', match: { types: ['FS_UNAVAILABLE'] }, resolve: { types: ['FS_AVAILABLE'] }, actions: [{ type: 'record' }] };

test('a fired instance survives a restart and is undone by the resolving event after it', async (t) => {
  const stateDir = await tempDir(t);
  const { module, calls } = recorder();
  const first = await RulesEngine.open({ rules: rulesOf([rule], module), log: silent, stateDir });
  first.accept([event('FS_UNAVAILABLE')]);
  await first.idle();
  await first.stop();
  const saved = JSON.parse(await readFile(join(stateDir, RULES_STATE_FILE), 'utf8')) as RulesSnapshot;
  assert.deepEqual(saved.instances.map((i) => i.status), ['active']);
  const second = await RulesEngine.open({ rules: rulesOf([rule], module), log: silent, stateDir });
  t.after(() => second.stop());
  second.accept([event('FS_UNAVAILABLE')]);
  second.accept([event('FS_AVAILABLE')]);
  await waitFor('the undo', () => (calls.length === 2 ? true : undefined));
  assert.deepEqual(calls.map((c) => c.phase), ['fire', 'undo'], 'no second fire after the restart');
});

test('a pending `for` keeps its start time across a restart', async (t) => {
  const stateDir = await tempDir(t);
  const { module, calls } = recorder();
  const rules = () => rulesOf([{ ...rule, for: '300ms' }], module);
  const first = await RulesEngine.open({ rules: rules(), log: silent, stateDir });
  first.accept([event('FS_UNAVAILABLE')]);
  await first.idle();
  await waitFor('the pending instance to be journaled', async () => (JSON.parse(await readFile(join(stateDir, RULES_STATE_FILE), 'utf8').catch(() => '{"instances":[]}')) as RulesSnapshot).instances.length === 1 || undefined);
  await first.stop();
  assert.equal(calls.length, 0);
  const second = await RulesEngine.open({ rules: rules(), log: silent, stateDir });
  t.after(() => second.stop());
  await waitFor('the fire after the restart', () => (calls.length === 1 ? true : undefined));
});

test('a run cut short by a crash is repeated only for an idempotent action', async (t) => {
  for (const idempotent of [true, false]) {
    const stateDir = await tempDir(t);
    const { module, calls } = recorder({ idempotent });
    const e = event('FS_UNAVAILABLE');
    const snapshot: RulesSnapshot = {
      version: 1,
      nextId: 3,
      instances: [{ rule: 'gone', node: 'node1', key: 'k', status: 'active', since: Date.now(), firedAt: Date.now(), hits: [], event: e }],
      pending: [1, 2].map((id) => ({ id, rule: 'gone', actionIndex: 0, actionType: 'record', phase: 'fire' as const, chain: `c${id}`, key: `k${id}`, node: 'node1', reason: 'r', event: e, status: id === 1 ? ('running' as const) : ('queued' as const), attempts: id === 1 ? 1 : 0, enqueuedAt: Date.now() })),
    };
    await writeFile(join(stateDir, RULES_STATE_FILE), JSON.stringify(snapshot));
    const engine = await RulesEngine.open({ rules: rulesOf([rule], module), log: silent, stateDir });
    await engine.idle();
    await engine.stop();
    assert.deepEqual(calls.map((c) => c.key).sort(), idempotent ? ['k1', 'k2'] : ['k2'], `idempotent: ${idempotent}`);
  }
});

test('an unreadable state file is reported and the engine starts empty', async (t) => {
  const stateDir = await tempDir(t);
  await writeFile(join(stateDir, RULES_STATE_FILE), '{"version":1,"instances":[');
  const { module, calls } = recorder();
  const engine = await RulesEngine.open({ rules: rulesOf([rule], module), log: silent, stateDir });
  t.after(() => engine.stop());
  engine.accept([event('FS_UNAVAILABLE')]);
  await waitFor('the fire', () => (calls.length === 1 ? true : undefined));
});
