/**
 * The rules index (src/rules/candidates.ts): per event type and mount point, the rules whose match
 * or resolve can accept the event, and through which. Checked against the plain matchers for
 * every rule × type × mount point (a rule left out is one that could not have matched or
 * resolved, and matchesIndexed answers as matches for the ones kept);
 * then through the engine: rules by glob, by class only, resolve-only pairs, events without a
 * mount point, a reload that replaces the index, and more mount points than the index remembers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventTypes } from '../../src/collector/events.ts';
import { MAX_CANDIDATE_LISTS, RuleIndex } from '../../src/rules/candidates.ts';
import { waitFor } from '../helpers/system.ts';
import { engineOf, event, recorder, rulesOf } from './helpers.ts';

const { module } = recorder();
const shapes = rulesOf(
  [
    { name: 'by-type-and-glob', match: { types: ['FS_ERROR', 'IO_ERROR'], mounts: ['/data/**'] }, actions: [{ type: 'record' }] },
    { name: 'by-class', match: { classes: ['warning'] }, actions: [{ type: 'record' }] },
    { name: 'glob-resolve-anywhere', match: { types: ['FS_UNAVAILABLE'], mounts: ['/scratch/*'] }, resolve: { types: ['FS_AVAILABLE'] }, actions: [{ type: 'record' }] },
    { name: 'resolve-on-other-mounts', match: { mounts: ['/a'] }, resolve: { types: ['REMOUNT'], mounts: ['/b'] }, actions: [{ type: 'record' }] },
    { name: 'device-only', match: { devices: ['/dev/sd*'] }, actions: [{ type: 'record' }] },
  ],
  module,
).rules;

test('the index finds every rule that can match or resolve an event, and matchesIndexed then answers as matches does', () => {
  const index = new RuleIndex(shapes);
  for (const type of eventTypes) {
    for (const mountpoint of ['/data', '/data/x', '/scratch/s1', '/scratch/s1/deeper', '/a', '/b', '/srv', undefined]) {
      const found = index.candidates(type, mountpoint);
      assert.equal(index.candidates(type, mountpoint), found, 'remembered per pair');
      for (const fields of [{ class: 'warning', device: '/dev/sda' }, { class: 'error', device: '/dev/vda' }] as const) {
        const e = { ...event(type, fields), mountpoint };
        for (const rule of shapes) {
          const candidate = found.find((c) => c.rule === rule);
          const what = `${rule.name} ${type} ${mountpoint} ${fields.class}`;
          assert.equal(rule.match.matches(e), candidate?.match === true && rule.match.matchesIndexed(e), `match: ${what}`);
          assert.equal(rule.resolve?.matches(e) ?? false, candidate?.resolve === true && rule.resolve!.matchesIndexed(e), `resolve: ${what}`);
          if (candidate) assert.ok(candidate.match || candidate.resolve, `a candidate can do something: ${what}`);
        }
      }
    }
  }
  // Spot checks of the above, in words.
  assert.deepEqual(index.candidates('FS_ERROR', '/srv').map((c) => c.rule.name), ['by-class', 'device-only'], 'no type list: every type; no mount glob: every mount');
  assert.deepEqual(index.candidates('FS_AVAILABLE', '/srv').map((c) => [c.rule.name, c.match, c.resolve]), [['by-class', true, false], ['glob-resolve-anywhere', false, true], ['device-only', true, false]]);
  assert.deepEqual(index.candidates('FS_ERROR', undefined).map((c) => c.rule.name), ['by-class', 'device-only'], 'mount globs never accept an event without a mount point');
});

test('through the engine: rules by glob, by class only, by device only, and a resolve without a mount glob all see their events', async (t) => {
  const { module: recording, calls } = recorder();
  const engine = await engineOf(t, rulesOf(shapes.map((r) => r.spec), recording));
  engine.accept([
    event('FS_ERROR', { mountpoint: '/data/x', device: '/dev/vda1', class: 'error' }),
    event('FS_ERROR', { mountpoint: '/srv', device: '/dev/vda2', class: 'error' }),
    event('QUOTA_BLOCKS_SOFT', { mountpoint: '/srv', device: '/dev/vda3', class: 'warning' }),
    event('FS_UNAVAILABLE', { mountpoint: '/scratch/s1', device: '/dev/vdb1', class: 'error' }),
    event('IO_ERROR', { mountpoint: '/srv', device: '/dev/sdz1', class: 'error' }),
  ]);
  await engine.idle();
  assert.deepEqual(calls.map((c) => `${c.phase} ${c.key}`).sort(), ['fire by-class/node1//srv', 'fire by-type-and-glob/node1//data/x', 'fire device-only/node1//srv', 'fire glob-resolve-anywhere/node1//scratch/s1']);
  engine.accept([event('FS_AVAILABLE', { mountpoint: '/scratch/s1', device: '/dev/vdb1', class: 'info' })]);
  await waitFor('the undo', () => (calls.length === 5 ? true : undefined));
  assert.deepEqual([calls[4]!.phase, calls[4]!.key], ['undo', 'glob-resolve-anywhere/node1//scratch/s1']);
});

test('a reload replaces the index: the new rules see their events, the removed ones no longer do', async (t) => {
  const { module: recording, calls } = recorder();
  const engine = await engineOf(t, rulesOf([{ name: 'old', match: { types: ['FS_ERROR'], mounts: ['/old/**'] }, actions: [{ type: 'record' }] }], recording));
  engine.accept([event('FS_ERROR', { mountpoint: '/old/x' }), event('IO_ERROR', { mountpoint: '/new/x' })]);
  await engine.idle();
  assert.deepEqual(calls.map((c) => c.key), ['old/node1//old/x']);
  engine.replace(rulesOf([{ name: 'new', match: { types: ['IO_ERROR'], mounts: ['/new/**'] }, key: '{rule}/{device}', actions: [{ type: 'record' }] }], recording));
  engine.accept([event('FS_ERROR', { mountpoint: '/old/y' }), event('IO_ERROR', { mountpoint: '/new/x', device: '/dev/sdq' })]);
  await engine.idle();
  assert.deepEqual(calls.map((c) => c.key), ['old/node1//old/x', 'new//dev/sdq']);
});

test('a reload that keeps a rule name but changes its key template renders the new key', async (t) => {
  const { module: recording, calls } = recorder();
  const spec = { name: 'same', match: { types: ['FS_ERROR'] }, cooldown: 0, actions: [{ type: 'record' }] };
  const engine = await engineOf(t, rulesOf([spec], recording));
  engine.accept([event('FS_ERROR', { mountpoint: '/m' })]);
  await engine.idle();
  engine.replace(rulesOf([{ ...spec, key: 'k/{fstype}' }], recording));
  engine.accept([event('FS_ERROR', { mountpoint: '/m', fstype: 'xfs' })]);
  await engine.idle();
  assert.deepEqual(calls.map((c) => c.key), ['same/node1//m', 'k/xfs']);
});

test('more type × mount pairs than the index remembers: it starts over and stays right', async (t) => {
  const { module: recording, calls } = recorder();
  const engine = await engineOf(t, rulesOf([{ name: 'deep', match: { types: ['FS_ERROR'], mounts: ['/m/*/hit'] }, actions: [{ type: 'record' }] }], recording), { settings: { recheckMs: 20, lossHoldMs: 200, stopGraceMs: 2000, inboxEvents: 100_000 } });
  const mounts = Array.from({ length: MAX_CANDIDATE_LISTS + 50 }, (_, i) => `/m/${i}/${i % 1000 === 0 ? 'hit' : 'miss'}`);
  engine.accept(mounts.map((mountpoint) => event('FS_ERROR', { mountpoint })));
  engine.accept(mounts.slice(0, 2000).map((mountpoint) => event('FS_ERROR', { mountpoint })));
  await engine.idle();
  assert.deepEqual(calls.map((c) => c.key).sort(), mounts.filter((m) => m.endsWith('/hit')).map((m) => `deep/node1/${m}`).sort());
});

test('a candidate gives the rendered id for every node and event, whether its key reads only the pair and node or more', () => {
  for (const key of ['{rule}/{node}/{mountpoint}', '{type}@{mountpoint}', '{rule}/{device}', '{seq}']) {
    const [rule] = rulesOf([{ name: 'k', match: { types: ['FS_ERROR'] }, key, actions: [{ type: 'record' }] }], module).rules;
    const index = new RuleIndex([rule!]);
    for (const node of ['n1', 'n2', 'n1', 'n1', 'n3']) {
      for (const device of ['/dev/sda', '/dev/sdb']) {
        const e = event('FS_ERROR', { mountpoint: '/m', device });
        const [candidate] = index.candidates('FS_ERROR', '/m');
        const rendered = rule!.key({ rule: 'k', node, event: e });
        assert.equal(candidate!.idOf(node, e).key, rendered, `${key} on ${node}, ${device}`);
      }
    }
  }
});
