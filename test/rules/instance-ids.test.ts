/**
 * Remembered instance ids (src/rules/instance-ids.ts): for every kind of key template (the
 * default, device, numbers, absent fields, data fields holding scalars or objects, sources, values
 * unique per event), the id found is the one rendering the key gives, for events seen for the
 * first time and again, across nodes, and past the memory's bound.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FsEvent } from '../../src/collector/types.ts';
import { chainOf, InstanceIds, MAX_REMEMBERED_IDS } from '../../src/rules/instance-ids.ts';
import { event, recorder, rulesOf } from './helpers.ts';

const { module } = recorder();
const ruleWithKey = (key?: string) => rulesOf([{ name: 'r', match: { types: ['FS_ERROR'] }, ...(key === undefined ? {} : { key }), actions: [{ type: 'record' }] }], module).rules[0]!;

const events: FsEvent[] = [
  event('FS_ERROR', { mountpoint: '/a', device: '/dev/sda', major: 8, minor: 0, data: { errno: 5, reason: 'x' } }),
  event('FS_ERROR', { mountpoint: '/b', device: '/dev/sdb', major: 8, minor: 16, data: { errno: '5', reason: { nested: [1, 2] } } }),
  event('FS_ERROR', { mountpoint: undefined, device: undefined, major: 0, minor: 0, data: {}, sources: ['kmsg', 'fanotify'] }),
  event('FS_ERROR', { mountpoint: '/a', device: '/dev/sda', major: 8, minor: 0, data: { errno: 5, reason: { nested: [1, 2] } } }),
  event('FS_ERROR', { mountpoint: '/a', device: '/dev/sda', major: -0, minor: Number.NaN, data: { errno: null, reason: true } }),
];

for (const key of [undefined, '{rule}/{device}', '{major}:{minor}', '{node}|{mountpoint}|{mountpoint}', 'k/{data.errno}/{data.reason}', '{sources}', 'fixed', '{seq}/{mountpoint}', '{time}']) {
  test(`the id remembered for key ${key ?? '(default)'} is the rendered one, first time and again, on every node`, () => {
    const rule = ruleWithKey(key);
    const ids = new InstanceIds(rule);
    for (let pass = 0; pass < 3; pass++) {
      for (const node of ['n1', 'n2']) {
        for (const e of events) {
          const rendered = rule.key({ rule: 'r', node, event: e });
          assert.deepEqual(ids.of(node, e), { key: rendered, chain: chainOf('r', node, rendered) }, `${node} ${JSON.stringify(e)}`);
        }
      }
    }
  });
}

test('an object value changed in place is rendered afresh, not taken from the memory', () => {
  const rule = ruleWithKey('{data.reason}');
  const ids = new InstanceIds(rule);
  const e = event('FS_ERROR', { data: { reason: { code: 1 } } });
  assert.equal(ids.of('n', e).key, '{"code":1}');
  (e.data.reason as { code: number }).code = 2;
  assert.equal(ids.of('n', e).key, '{"code":2}');
});

test('more distinct values than the memory holds: it starts over and every id stays right', () => {
  const rule = ruleWithKey('{rule}/{mountpoint}/{device}');
  const ids = new InstanceIds(rule);
  const many = Array.from({ length: MAX_REMEMBERED_IDS * 2 + 7 }, (_, i) => event('FS_ERROR', { mountpoint: `/m${i % 300}`, device: `/dev/d${i}` }));
  for (const e of [...many, ...many.slice(0, 500)]) assert.equal(ids.of('n', e).key, `r/${e.mountpoint}/${e.device}`);
});
