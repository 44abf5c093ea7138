/**
 * Rules files: what is accepted (durations, defaults, templates, data paths) and that a bad file
 * is refused with every problem, each naming the rule and the field.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/errors.ts';
import { actions } from '../../src/rules/actions/registry.ts';
import { compileMatcher } from '../../src/rules/match.ts';
import { parseRules } from '../../src/rules/parse.ts';
import { event, silent } from './helpers.ts';

const parse = (rules: unknown[]) => parseRules({ rules }, 'rules.yaml', { actions, log: silent, now: Date.now });
const exec = { type: 'exec', argv: ['/bin/true'] };

test('defaults and durations: key per rule, node and mount; cooldown 60 s without resolve, 0 with', () => {
  const [plain, resolved] = parse([
    { name: 'a', match: { types: ['FS_ERROR'] }, actions: [exec] },
    { name: 'b', match: { types: ['FS_UNAVAILABLE'] }, for: '1.5s', resolve: { types: ['FS_AVAILABLE'] }, healthyFor: 120, actions: [exec] },
  ]).rules;
  assert.equal(plain!.cooldownMs, 60_000);
  assert.equal(resolved!.cooldownMs, 0);
  assert.equal(resolved!.forMs, 1500);
  assert.equal(resolved!.healthyForMs, 120_000);
  const e = event('FS_ERROR', { mountpoint: '/x y' });
  assert.equal(plain!.key({ rule: 'a', node: 'n', event: e }), 'a/n//x y');
  assert.equal(plain!.reason({ rule: 'a', node: 'n', event: e }), 'FS_ERROR on /x y');
});

test('matchers: data paths with scalar or list values, device globs, severity minimum, mount globs', () => {
  const m = compileMatcher({ types: ['REMOUNT'], severity: 'notice', mounts: ['/data/**'], devices: ['/dev/sd*'], data: { 'after.readOnly': false, errno: [5, 30] } });
  const ok = event('REMOUNT', { severity: 'notice', mountpoint: '/data/a', device: '/dev/sdb1', data: { after: { readOnly: false }, errno: 30 } });
  assert.equal(m.matches(ok), true);
  assert.equal(m.matches({ ...ok, data: { after: { readOnly: true }, errno: 30 } }), false);
  assert.equal(m.matches({ ...ok, data: { after: { readOnly: false }, errno: '30' } }), false, 'strict equality');
  assert.equal(m.matches({ ...ok, device: '/dev/nvme0n1' }), false);
  assert.equal(m.matches({ ...ok, severity: 'info' }), false);
  assert.equal(m.matches({ ...ok, mountpoint: '/srv' }), false);
  assert.deepEqual([...m.types!], ['REMOUNT']);
});

test('a bad file is refused with every problem, each naming the rule and the field', () => {
  let error: unknown;
  try {
    parse([
      { name: 'one', match: { types: ['NOPE'] }, count: 3, key: '{nope}', actions: [{ type: 'exec', argv: [] }, { type: 'teleport' }] },
      { name: 'one', match: {}, healthyFor: '5x', extra: true, actions: [{ type: 'webhook', url: 'ftp://x' }] },
      'not a rule',
    ]);
  } catch (err) {
    error = err;
  }
  assert.ok(error instanceof ConfigError);
  const text = error.problems.join('\n');
  for (const expected of [
    /rule "one" \(#1\) \/match\/types\/0: must be one of .* \(got "NOPE"\)/,
    /rule "one" \(#1\) \/within: required with count > 1/,
    /rule "one" \(#1\) \/key: unknown placeholder \{nope\}/,
    /rule "one" \(#1\) \/actions\/0\/argv: /,
    /rule "one" \(#1\) \/actions\/1\/type: unknown action "teleport"/,
    /rule "one" \(#2\) \/name: another rule has this name/,
    /rule "one" \(#2\) \/healthyFor: must be a duration/,
    /rule "one" \(#2\) \/extra: Unexpected property/,
    /rule "one" \(#2\) \/actions\/0\/url: /,
    /rule "\?" \(#3\)/,
  ]) assert.match(text, expected);
});

test('the top level must be a rules list', () => {
  assert.throws(() => parseRules({ rule: [] }, 'f.yaml', { actions, log: silent, now: Date.now }), /f\.yaml: \/rule: Unexpected property/);
  assert.throws(() => parseRules([], 'f.yaml', { actions, log: silent, now: Date.now }), ConfigError);
});
