/**
 * The cases every command-line scheduler driver must pass, run against a stand-in of its tools
 * (test/helpers/stub-command.ts) by each driver's test: drain and resume our own drain, already
 * on repeats, hands off someone else's drain and a down node, dry run changes nothing, an unknown
 * node fails for good, a hanging tool is killed at the timeout and may be retried.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { Action } from '../../../src/rules/types.ts';
import { request } from './request.ts';

/** A stand-in scheduler holding one node, as a driver's test builds it. */
export interface SchedulerModel {
  action: Action;
  /** Another action on the same stand-in, with these settings over the test's. */
  withSettings(settings: Record<string, unknown>): Action;
  node: string;
  /** Puts the node in a state as an admin or the scheduler itself would. */
  set(state: 'idle' | 'foreign-drain' | 'down' | 'unknown-node' | 'hang'): void;
  /** The node's state as the scheduler holds it (equal strings: nothing changed). */
  snapshot(): string;
  /** True when the node is drained with our marker and this reason. */
  drainedByUs(reason: string): boolean;
  /** Calls of commands that change the node so far. */
  changes(): number;
  /** Settings that make an action another owner (default: another reason prefix). */
  otherOwner?: Record<string, unknown>;
  /** 'down' when the scheduler cannot tell an unknown node from a down one (HTCondor: no ads). */
  unknownIs?: 'down';
}

/** Registers the shared cases; `make` builds a fresh model per case. */
export function drainContract(name: string, make: (t: TestContext) => Promise<SchedulerModel>): void {
  test(`${name}: drains, repeats are already, resumes only its own drain and clears its marker`, async (t) => {
    const m = await make(t);
    const idle = m.snapshot();
    const fired = await m.action.run(request('fire', m.node));
    assert.equal(fired.outcome, 'done', fired.detail);
    assert.ok(m.drainedByUs('/scratch unavailable'), m.snapshot());
    const again = await m.action.run(request('fire', m.node, { reason: 'other' }));
    assert.equal(again.outcome, 'already', again.detail);
    assert.ok(m.drainedByUs('/scratch unavailable'), 'the first reason is kept');
    const undone = await m.action.run(request('undo', m.node));
    assert.equal(undone.outcome, 'done', undone.detail);
    assert.equal(m.snapshot(), idle, 'back to the state before, our marker gone');
    assert.equal((await m.action.run(request('undo', m.node))).outcome, 'already');
  });

  test(`${name}: someone else's drain and a down node are left alone`, async (t) => {
    for (const state of ['foreign-drain', 'down'] as const) {
      const m = await make(t);
      m.set(state);
      const before = m.snapshot();
      for (const phase of ['fire', 'undo'] as const) {
        const result = await m.action.run(request(phase, m.node));
        assert.equal(result.outcome, 'skipped', `${state} ${phase}: ${result.detail}`);
        assert.match(result.detail, state === 'down' ? /is down/ : /drained by someone else/);
      }
      assert.equal(m.snapshot(), before, state);
      assert.equal(m.changes(), 0, `${state}: no command that changes anything ran`);
    }
  });

  test(`${name}: another owner marker does not own our drain`, async (t) => {
    const m = await make(t);
    assert.equal((await m.action.run(request('fire', m.node))).outcome, 'done');
    const other = m.withSettings(m.otherOwner ?? { reasonPrefix: 'other:' });
    assert.equal((await other.run(request('undo', m.node))).outcome, 'skipped');
    assert.equal((await other.run(request('fire', m.node))).outcome, 'skipped');
    assert.ok(m.drainedByUs('/scratch unavailable'));
  });

  test(`${name}: dry run reads and changes nothing`, async (t) => {
    const m = await make(t);
    const idle = m.snapshot();
    const fired = await m.action.run(request('fire', m.node, { dryRun: true }));
    assert.equal(fired.outcome, 'skipped');
    assert.match(fired.detail, /^dry run: would drain/);
    assert.equal(m.snapshot(), idle);
    assert.equal((await m.action.run(request('fire', m.node))).outcome, 'done');
    const drained = m.snapshot();
    const changes = m.changes();
    assert.match((await m.action.run(request('undo', m.node, { dryRun: true }))).detail, /^dry run: would resume/);
    assert.equal(m.snapshot(), drained);
    assert.equal(m.changes(), changes);
  });

  test(`${name}: an unknown node fails for good, a hanging tool is killed and may be retried`, async (t) => {
    const m = await make(t);
    m.set('unknown-node');
    const unknown = await m.action.run(request('fire', m.node));
    if (m.unknownIs === 'down') assert.equal(unknown.outcome, 'skipped', unknown.detail);
    else assert.deepEqual([unknown.outcome, unknown.retryable], ['failed', false], unknown.detail);
    m.set('hang');
    const hung = await m.withSettings({ timeoutMs: 300 }).run(request('fire', m.node));
    assert.deepEqual([hung.outcome, hung.retryable], ['failed', true], hung.detail);
    assert.match(hung.detail, /timed out after 300 ms/);
  });
}
