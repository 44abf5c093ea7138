/**
 * The flux action against a stand-in `flux` (flux-core has no Debian 12 package, so no real
 * instance can run here). The stand-in keeps one node's drain and online state and answers the
 * `flux resource` subcommands of flux-resource.rst: `drain` with a FORMAT lists drained nodes;
 * `drain HOST REASON` fails on an already drained node; `undrain` fails on one that is not.
 * The wording of its error messages is the stand-in's own.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { configSchema, flux } from '../../../src/rules/actions/flux.ts';
import { stubCommands, type StubCall } from '../../helpers/stub-command.ts';
import { drainContract, type SchedulerModel } from './drain-contract.ts';
import { request } from './request.ts';

async function model(t: TestContext): Promise<SchedulerModel & { calls: StubCall[] }> {
  const node = { drained: false, reason: undefined as string | undefined, offline: false, mode: 'known' as 'known' | 'unknown-node' | 'hang' };
  const stubs = await stubCommands(t, {
    flux: (argv) => {
      if (node.mode === 'hang') return { hang: true };
      const [, sub] = argv;
      const host = argv.includes('-i') ? argv[argv.indexOf('-i') + 1] : argv[2];
      if (node.mode === 'unknown-node' || host !== 'fluke1') return { stderr: `flux-resource: ERROR: ${host}: host not found in this instance\n`, code: 1 };
      const format = argv[argv.indexOf('-o') + 1] ?? '';
      if (sub === 'status') return { stdout: node.offline ? `${format.replace('{nodelist}', 'fluke1')}\n` : '' };
      if (sub === 'drain' && argv[2] === '-n') return { stdout: node.drained ? `${format.replace('{nodelist}', 'fluke1').replace('{reason}', node.reason ?? '')}\n` : '' };
      if (sub === 'drain') {
        if (node.drained) return { stderr: 'flux-resource: ERROR: drain: fluke1 is already drained\n', code: 1 };
        Object.assign(node, { drained: true, reason: argv.slice(3).join(' ') });
        return {};
      }
      if (!node.drained) return { stderr: 'flux-resource: ERROR: undrain: fluke1 is not drained\n', code: 1 };
      Object.assign(node, { drained: false, reason: undefined });
      return {};
    },
  });
  const withSettings = (settings: Record<string, unknown>) => flux.create(Value.Default(configSchema, { flux: stubs.path.flux, ...settings }) as never);
  return {
    node: 'fluke1',
    action: withSettings({}),
    withSettings,
    calls: stubs.calls,
    set(state) {
      if (state === 'foreign-drain') Object.assign(node, { drained: true, reason: 'admin | swapping the NIC' });
      if (state === 'down') Object.assign(node, { offline: true, drained: true, reason: 'fsevd: ours, but offline' });
      if (state === 'unknown-node' || state === 'hang') node.mode = state;
    },
    snapshot: () => JSON.stringify(node),
    drainedByUs: (reason) => node.drained && node.reason === `fsevd: ${reason}`,
    changes: () => stubs.calls.filter((c) => c.argv[1] === 'undrain' || (c.argv[1] === 'drain' && c.argv[2] !== '-n')).length,
  };
}

drainContract('flux', model);

test('flux: the exact flux resource argv; the reason is one argument', async (t) => {
  const m = await model(t);
  assert.equal((await m.action.run(request('fire', m.node, { reason: '/scratch: "stale" | x' }))).outcome, 'done');
  assert.equal((await m.action.run(request('undo', m.node))).outcome, 'done');
  assert.deepEqual(m.calls.slice(0, 3).map((c) => c.argv), [
    ['resource', 'drain', '-n', '-i', 'fluke1', '-o', '{nodelist}|{reason}'],
    ['resource', 'status', '-n', '-s', 'offline,exclude', '-i', 'fluke1', '-o', '{nodelist}'],
    ['resource', 'drain', 'fluke1', 'fsevd: /scratch: "stale" | x'],
  ]);
  assert.deepEqual(m.calls.at(-1)!.argv, ['resource', 'undrain', 'fluke1']);
});
