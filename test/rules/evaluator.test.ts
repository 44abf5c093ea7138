/**
 * The evaluator's own bookkeeping under the rules index (src/rules/evaluator.ts): an instance the
 * idle sweep forgot is not found again through the instance remembered on its id, so the next
 * match starts a fresh instance (fresh count window) that the engine lists. The sweep's minute is
 * driven by node:test's mock timers (waiting a real minute would be the only alternative); the
 * evaluator's clock is injected.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Evaluator } from '../../src/rules/evaluator.ts';
import { event, recorder, rulesOf, silent } from './helpers.ts';

test('an instance forgotten by the idle sweep is not reused: the next match starts a fresh one', (t) => {
  t.mock.timers.enable({ apis: ['setInterval', 'setTimeout'] });
  const { module } = recorder();
  const rules = rulesOf([{ name: 'twice', match: { types: ['IO_ERROR'] }, count: 2, within: '1s', cooldown: '0s', actions: [{ type: 'record' }] }], module).rules;
  let now = 0;
  const fired: number[] = [];
  const evaluator = new Evaluator(rules, {
    now: () => now,
    log: silent,
    nodeOf: (e) => e.node,
    enqueue: (_rule, _instance, _chain, phase, e) => fired.push(phase === 'fire' ? e.seq : -e.seq),
    holdUndo: () => undefined,
    changed: () => {},
    recheckMs: 1000,
    maxInstances: 100,
  });
  t.after(() => evaluator.stop());
  const hits = () => evaluator.list().map((i) => i.hits);
  const e1 = event('IO_ERROR');
  evaluator.evaluate(e1);
  now = 100;
  evaluator.evaluate(event('IO_ERROR'));
  assert.equal(fired.length, 1, 'two within the window fire');
  now = 200;
  evaluator.evaluate(event('IO_ERROR'));
  assert.deepEqual(hits(), [[200]]);
  now = 5000;
  t.mock.timers.tick(60_000);
  assert.deepEqual(hits(), [], 'the sweep forgot the idle instance (window over, no cooldown)');
  evaluator.evaluate(event('IO_ERROR'));
  assert.deepEqual(hits(), [[5000]], 'a fresh instance, listed');
  now = 5100;
  const last = event('IO_ERROR');
  evaluator.evaluate(last);
  assert.deepEqual(fired.at(-1), last.seq);
  assert.deepEqual(hits(), [[]]);
});
