/**
 * The pbs action against a stand-in `pbsnodes` (OpenPBS has no Debian package, so no real server
 * can run here). The stand-in keeps one vnode's state and comment and prints `pbsnodes -v` in the
 * `     key = value` form of pbsnodes.8B; `-o -C` and `-r -C` change them as the server does.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { configSchema, judgePbs, pbs, parsePbsnodes } from '../../../src/rules/actions/pbs.ts';
import { stubCommands, type StubCall } from '../../helpers/stub-command.ts';
import { drainContract, type SchedulerModel } from './drain-contract.ts';
import { request } from './request.ts';

async function model(t: TestContext): Promise<SchedulerModel & { calls: StubCall[] }> {
  const node = { states: ['free'], comment: undefined as string | undefined, mode: 'known' as 'known' | 'unknown-node' | 'hang' };
  const stubs = await stubCommands(t, {
    pbsnodes: (argv) => {
      if (node.mode === 'hang') return { hang: true };
      const host = argv.at(-1);
      if (node.mode === 'unknown-node' || host !== 'n001') return { stderr: `pbsnodes: Unknown node  ${host}\n`, code: 1 };
      if (argv[0] === '-v') {
        const comment = node.comment === undefined ? '' : `     comment = ${node.comment}\n`;
        return { stdout: `n001\n     Mom = n001\n     ntype = PBS\n     state = ${node.states.join(',')}\n     pcpus = 2\n${comment}     resv_enable = True\n\n` };
      }
      const comment = argv[argv.indexOf('-C') + 1]!;
      if (argv[0] === '-o') node.states = [...node.states.filter((s) => s !== 'free'), 'offline'];
      if (argv[0] === '-r') node.states = node.states.filter((s) => s !== 'offline').concat(node.states.length === 1 ? ['free'] : []);
      node.comment = comment === '' ? undefined : comment.slice(0, 80);
      return {};
    },
  });
  const withSettings = (settings: Record<string, unknown>) => pbs.create(Value.Default(configSchema, { pbsnodes: stubs.path.pbsnodes, ...settings }) as never);
  return {
    node: 'n001',
    action: withSettings({}),
    withSettings,
    calls: stubs.calls,
    set(state) {
      if (state === 'foreign-drain') Object.assign(node, { states: ['offline'], comment: 'hw: DIMM replacement ticket 4711' });
      if (state === 'down') Object.assign(node, { states: ['down', 'offline'], comment: 'fsevd: ours, but the node is down' });
      if (state === 'unknown-node' || state === 'hang') node.mode = state;
    },
    snapshot: () => JSON.stringify(node),
    drainedByUs: (reason) => node.states.includes('offline') && node.comment === `fsevd: ${reason}`,
    changes: () => stubs.calls.filter((c) => c.argv[0] !== '-v').length,
  };
}

drainContract('pbs', model);

test('pbs: the exact pbsnodes argv, the comment cut at 80 characters with our prefix kept', async (t) => {
  const m = await model(t);
  const reason = `/scratch unavailable ${'x'.repeat(100)}`;
  assert.equal((await m.action.run(request('fire', m.node, { reason }))).outcome, 'done');
  assert.equal((await m.action.run(request('undo', m.node))).outcome, 'done');
  const calls = m.calls.map((c) => c.argv).filter((argv) => argv[0] !== '-v');
  assert.deepEqual(calls, [['-o', '-C', `fsevd: ${reason}`.slice(0, 80), 'n001'], ['-r', '-C', '', 'n001']]);
});

test('pbs: offline with no comment, or maintenance, is someone else\'s; state-unknown is down', () => {
  assert.deepEqual(parsePbsnodes('n1\n     state = offline,job-busy\n'), { states: ['offline', 'job-busy'], comment: undefined });
  assert.equal(parsePbsnodes('pbsnodes: Server has no node list\n'), undefined);
  assert.deepEqual(judgePbs({ states: ['offline'] }, 'fsevd:'), { down: false, drain: 'foreign' });
  assert.deepEqual(judgePbs({ states: ['maintenance'], comment: 'fsevd: x' }, 'fsevd:'), { down: false, drain: 'foreign' });
  assert.deepEqual(judgePbs({ states: ['state-unknown', 'offline'], comment: 'fsevd: x' }, 'fsevd:'), { down: true, drain: 'ours' });
  assert.deepEqual(judgePbs({ states: ['job-busy'], comment: 'fsevd: stale' }, 'fsevd:'), { down: false, drain: 'none' });
});
