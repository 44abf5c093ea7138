/**
 * Rules engine semantics with an in-memory recording action: fire and dedup, resolve and undo in
 * order, `for`, count within a window, healthyFor, cooldown and keys, the undo held while fsevd is
 * unhealthy, the concurrency cap, the bounded queue, nodes, dry run.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readdir } from 'node:fs/promises';
import { tempDir, waitFor } from '../helpers/system.ts';
import { engineOf, event, recorder, rulesOf, sleep } from './helpers.ts';
import { EVALUATE_PER_TURN } from '../../src/rules/index.ts';

const unavailable = { name: 'scratch', match: { types: ['FS_UNAVAILABLE'] }, resolve: { types: ['FS_AVAILABLE'] }, actions: [{ type: 'record' }] };

test('a storm of matching events fires once; the resolving event undoes, after the fire, never alongside it', async (t) => {
  const { module, calls } = recorder();
  const engine = await engineOf(t, rulesOf([{ ...unavailable, actions: [{ type: 'record', delayMs: 30 }] }], module));
  const storm = Array.from({ length: 500 }, () => event('FS_UNAVAILABLE'));
  engine.accept(storm);
  engine.accept([event('FS_AVAILABLE')]);
  await waitFor('fire and undo', () => (calls.length >= 2 ? true : undefined));
  await engine.idle();
  assert.deepEqual(calls.map((c) => c.phase), ['fire', 'undo']);
  assert.ok(calls.every((c) => c.sameKey === 1), 'never two runs of one key at once');
  assert.equal(calls[0]!.key, 'scratch/node1//data');
  assert.equal(calls[0]!.reason, 'FS_UNAVAILABLE on /data');
  assert.equal(engine.status().counters.deduplicated, 499);
  const { scratch } = engine.status().activity;
  assert.deepEqual({ ...scratch, lastMatch: scratch!.lastMatch?.seq }, { matched: 500, resolving: 1, fired: 1, undone: 1, lastMatch: storm.at(-1)!.seq });
});

test('for: a match resolved before the duration fires nothing; one that holds fires', async (t) => {
  const { module, calls } = recorder();
  const engine = await engineOf(t, rulesOf([{ ...unavailable, for: '150ms' }], module));
  engine.accept([event('FS_UNAVAILABLE', { mountpoint: '/a' }), event('FS_AVAILABLE', { mountpoint: '/a' })]);
  engine.accept([event('FS_UNAVAILABLE', { mountpoint: '/b' })]);
  await waitFor('the held one to fire', () => (calls.length > 0 ? true : undefined));
  await sleep(300);
  assert.deepEqual(calls.map((c) => [c.phase, c.key]), [['fire', 'scratch/node1//b']]);
  assert.equal(engine.status().instances.find((i) => i.key === 'scratch/node1//b')?.status, 'active');
});

test('count within a window: fires on the Nth event inside it', async (t) => {
  const { module, calls } = recorder();
  const engine = await engineOf(t, rulesOf([{ name: 'errors', match: { types: ['IO_ERROR'] }, count: 3, within: '10s', cooldown: '1h', actions: [{ type: 'record' }] }], module));
  engine.accept([event('IO_ERROR'), event('IO_ERROR')]);
  await engine.idle();
  assert.equal(calls.length, 0);
  engine.accept([event('IO_ERROR')]);
  await engine.idle();
  assert.equal(calls.length, 1);
  engine.accept([event('IO_ERROR'), event('IO_ERROR'), event('IO_ERROR')]);
  await engine.idle();
  assert.equal(calls.length, 1, 'the cooldown holds the next three');
});

test('healthyFor: trouble back before it elapses cancels the undo; a quiet period undoes', async (t) => {
  const { module, calls } = recorder();
  const engine = await engineOf(t, rulesOf([{ ...unavailable, healthyFor: '200ms' }], module));
  engine.accept([event('FS_UNAVAILABLE')]);
  await engine.idle();
  engine.accept([event('FS_AVAILABLE')]);
  await sleep(50);
  engine.accept([event('FS_UNAVAILABLE')]);
  await sleep(300);
  assert.deepEqual(calls.map((c) => c.phase), ['fire']);
  engine.accept([event('FS_AVAILABLE')]);
  await waitFor('the undo', () => (calls.length === 2 ? true : undefined));
  assert.equal(calls[1]!.phase, 'undo');
});

test('while fsevd is unhealthy the undo waits (fire still works), and runs once it is healthy', async (t) => {
  const { module, calls } = recorder();
  const health = { sourcesDown: 1, eventsLost: 0 };
  const engine = await engineOf(t, rulesOf([unavailable], module), { health: () => health });
  engine.accept([event('FS_UNAVAILABLE'), event('FS_AVAILABLE')]);
  await waitFor('the fire', () => (calls.length === 1 ? true : undefined));
  await waitFor('the undo to be held', () => engine.status().instances[0]?.heldBecause);
  assert.match(engine.status().instances[0]!.heldBecause!, /1 source\(s\) down/);
  health.sourcesDown = 0;
  health.eventsLost = 5;
  await sleep(100);
  assert.equal(calls.length, 1, 'events were just lost: still held');
  assert.match(engine.status().instances[0]!.heldBecause!, /events lost/);
  await waitFor('the undo after lossHold', () => (calls.length === 2 ? true : undefined));
  assert.equal(calls[1]!.phase, 'undo');
});

test('an EVENTS_LOST event holds the undo of its node only', async (t) => {
  const { module, calls } = recorder();
  const engine = await engineOf(t, rulesOf([unavailable], module), { settings: { lossHoldMs: 60_000, recheckMs: 20 } });
  engine.accept([event('EVENTS_LOST', { node: 'n1' }), event('FS_UNAVAILABLE', { node: 'n1' }), event('FS_UNAVAILABLE', { node: 'n2' })]);
  engine.accept([event('FS_AVAILABLE', { node: 'n1' }), event('FS_AVAILABLE', { node: 'n2' })]);
  await waitFor('n2 undone', () => (calls.some((c) => c.node === 'n2' && c.phase === 'undo') ? true : undefined));
  await sleep(100);
  assert.equal(calls.filter((c) => c.node === 'n1').map((c) => c.phase).join(), 'fire');
});

test('keys: one instance per node and mount by default, or per the key template; nodeOf names the node', async (t) => {
  const { module, calls } = recorder();
  const rules = rulesOf([{ name: 'ro', match: { types: ['ERR_REMOUNT_RO'] }, actions: [{ type: 'record' }] }, { name: 'per-node', key: '{node}', match: { types: ['ERR_REMOUNT_RO'] }, actions: [{ type: 'record' }] }], module);
  const engine = await engineOf(t, rules, { nodeOf: (e) => `sched-${e.node}` });
  engine.accept(['/a', '/b', '/a'].map((mountpoint) => event('ERR_REMOUNT_RO', { mountpoint })));
  engine.accept([event('ERR_REMOUNT_RO', { node: 'node2' })]);
  await engine.idle();
  assert.deepEqual(calls.filter((c) => c.rule === 'ro').map((c) => c.key).sort(), ['ro/sched-node1//a', 'ro/sched-node1//b', 'ro/sched-node2//data']);
  assert.deepEqual(calls.filter((c) => c.rule === 'per-node').map((c) => c.node).sort(), ['sched-node1', 'sched-node2']);
});

test('the concurrency cap holds across keys, and a full queue drops and reports', async (t) => {
  const { module, calls, maxConcurrent } = recorder();
  const finished: string[] = [];
  const rules = rulesOf([{ name: 'each', match: { types: ['FS_ERROR'] }, key: '{seq}', actions: [{ type: 'record', delayMs: 20 }] }], module);
  const engine = await engineOf(t, rules, { settings: { concurrency: 2, maxPending: 10 }, onRunFinished: (run) => finished.push(run.outcome) });
  engine.accept(Array.from({ length: 30 }, () => event('FS_ERROR')));
  await engine.idle();
  await waitFor('every run reported', () => (finished.length === 30 ? true : undefined));
  assert.equal(maxConcurrent(), 2);
  assert.equal(calls.length, 10);
  assert.equal(finished.filter((o) => o === 'dropped').length, 20);
  assert.equal(engine.status().counters.actionsDropped, 20);
});

test('a retryable failure is tried again; a permanent one is not', async (t) => {
  const { module, calls } = recorder();
  const rules = rulesOf([
    { name: 'retry', match: { types: ['FS_ERROR'] }, actions: [{ type: 'record', fail: 'retryable' }] },
    { name: 'once', match: { types: ['IO_ERROR'] }, actions: [{ type: 'record', fail: 'permanent' }] },
  ], module);
  const engine = await engineOf(t, rules);
  engine.accept([event('FS_ERROR'), event('IO_ERROR')]);
  await waitFor('the second attempt', () => (calls.filter((c) => c.rule === 'retry').length === 2 ? true : undefined), 5000);
  assert.equal(calls.filter((c) => c.rule === 'once').length, 1);
});

test('the inbox is bounded: a burst beyond it is dropped, counted, and holds undos', async (t) => {
  const { module, calls } = recorder();
  const engine = await engineOf(t, rulesOf([unavailable], module), { settings: { inboxEvents: 5, lossHoldMs: 60_000, recheckMs: 20 } });
  engine.accept([event('FS_UNAVAILABLE')]);
  await engine.idle();
  // A batch too big for one turn makes a backlog; the inbox keeps 5, and the next batch arrives
  // while that backlog is still waiting, so it finds no room either.
  const burst = EVALUATE_PER_TURN + 4;
  engine.accept(Array.from({ length: burst }, () => event('MOUNT')));
  engine.accept([event('FS_AVAILABLE')]);
  await engine.idle();
  assert.equal(engine.status().counters.eventsDropped, burst - 5 + 1);
  engine.accept([event('FS_AVAILABLE')]);
  await waitFor('the undo to be held', () => engine.status().instances[0]?.heldBecause);
  assert.equal(calls.length, 1);
});

test('dry run: actions are asked with dryRun and nothing is journaled', async (t) => {
  const { module, calls } = recorder();
  const stateDir = await tempDir(t);
  const engine = await engineOf(t, rulesOf([unavailable], module), { dryRun: true, stateDir });
  engine.accept([event('FS_UNAVAILABLE')]);
  await engine.idle();
  await engine.stop();
  assert.equal(calls[0]!.dryRun, true);
  assert.deepEqual(await readdir(stateDir), []);
});

test('reload keeps the instances of rules that stay and drops the others', async (t) => {
  const { module, calls } = recorder();
  const engine = await engineOf(t, rulesOf([unavailable, { ...unavailable, name: 'gone' }], module));
  engine.accept([event('FS_UNAVAILABLE')]);
  await engine.idle();
  engine.replace(rulesOf([unavailable], module));
  assert.deepEqual(engine.status().instances.map((i) => i.rule), ['scratch']);
  engine.accept([event('FS_AVAILABLE')]);
  await waitFor('the undo of the kept rule', () => (calls.filter((c) => c.phase === 'undo').length === 1 ? true : undefined));
  assert.deepEqual(calls.filter((c) => c.phase === 'undo').map((c) => c.rule), ['scratch']);
});

test('with concurrency 1 every queued action of every key runs, one after the other', async (t) => {
  const { module, calls, maxConcurrent } = recorder();
  const rules = rulesOf([{ name: 'each', match: { types: ['FS_ERROR'] }, key: '{seq}', actions: [{ type: 'record', delayMs: 5 }] }], module);
  const engine = await engineOf(t, rules, { settings: { concurrency: 1 } });
  engine.accept(Array.from({ length: 5 }, () => event('FS_ERROR')));
  await waitFor('five runs', () => (calls.length === 5 ? true : undefined));
  assert.equal(maxConcurrent(), 1);
});
