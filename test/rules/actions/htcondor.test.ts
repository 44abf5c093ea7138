/**
 * The htcondor action against stand-in `condor_status` and `condor_drain` (HTCondor has no Debian
 * 12 package, so no real startd can run here). The stand-in holds one machine with two slots and
 * behaves as condor_drain.rst describes: a drain gets a request ID that the slot ads publish
 * (Draining, DrainingRequestId, DrainReason); a second drain fails with "Draining already in
 * progress."; a cancel with a wrong ID fails. A machine missing from the collector has no ads.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { configSchema, htcondor, parseCondorStatus } from '../../../src/rules/actions/htcondor.ts';
import { stubCommands, type StubCall } from '../../helpers/stub-command.ts';
import { drainContract, type SchedulerModel } from './drain-contract.ts';
import { request } from './request.ts';

async function model(t: TestContext): Promise<SchedulerModel & { calls: StubCall[] }> {
  const machine = { draining: false, reason: undefined as string | undefined, id: undefined as string | undefined, lastId: 0, mode: 'known' as 'known' | 'absent' | 'hang' };
  const stubs = await stubCommands(t, {
    condor_status: (argv) => {
      if (machine.mode === 'hang') return { hang: true };
      if (argv[1] !== 'Machine == "n001.example"' || machine.mode === 'absent') return {};
      const slot = (n: number) => [`slot${n}@n001.example`, machine.draining ? 'Claimed' : 'Unclaimed', machine.draining ? 'Retiring' : 'Idle',
        String(machine.draining), machine.id ?? 'undefined', machine.reason ?? 'undefined'].join('\t');
      return { stdout: `${slot(1)}\n${slot(2)}\n` };
    },
    condor_drain: (argv) => {
      if (argv[0] === '-cancel') {
        if (!machine.draining || argv[2] !== machine.id) return { stderr: 'No matching draining request id\n', code: 1 };
        Object.assign(machine, { draining: false, reason: undefined, id: undefined });
        return { stdout: 'Sent request to cancel draining on n001.example\n' };
      }
      if (machine.draining) return { stderr: 'Draining already in progress.\n', code: 1 };
      Object.assign(machine, { draining: true, reason: argv[argv.indexOf('-reason') + 1], id: String(++machine.lastId) });
      return { stdout: 'Sent request to drain n001.example\n' };
    },
  });
  const withSettings = (settings: Record<string, unknown>) =>
    htcondor.create(Value.Default(configSchema, { condorStatus: stubs.path.condor_status, condorDrain: stubs.path.condor_drain, ...settings }) as never);
  return {
    node: 'n001.example',
    action: withSettings({}),
    withSettings,
    calls: stubs.calls,
    unknownIs: 'down',
    set(state) {
      if (state === 'foreign-drain') Object.assign(machine, { draining: true, reason: 'Defrag', id: '7' });
      if (state === 'down' || state === 'unknown-node') machine.mode = 'absent';
      if (state === 'hang') machine.mode = 'hang';
    },
    snapshot: () => JSON.stringify({ ...machine, lastId: undefined }),
    drainedByUs: (reason) => machine.draining && machine.reason === `fsevd: ${reason}`,
    changes: () => stubs.calls.filter((c) => c.program === 'condor_drain').length,
  };
}

drainContract('htcondor', model);

test('htcondor: drains gracefully with -start False and cancels only its own request id', async (t) => {
  const m = await model(t);
  assert.equal((await m.action.run(request('fire', m.node))).outcome, 'done');
  assert.equal((await m.action.run(request('undo', m.node))).outcome, 'done');
  assert.equal((await m.action.run(request('fire', m.node))).outcome, 'done');
  assert.equal((await m.action.run(request('undo', m.node))).outcome, 'done');
  assert.deepEqual(m.calls.filter((c) => c.program === 'condor_drain').map((c) => c.argv), [
    ['-graceful', '-reason', 'fsevd: /scratch unavailable', '-start', 'False', 'n001.example'],
    ['-cancel', '-request-id', '1', 'n001.example'],
    ['-graceful', '-reason', 'fsevd: /scratch unavailable', '-start', 'False', 'n001.example'],
    ['-cancel', '-request-id', '2', 'n001.example'],
  ]);
  assert.deepEqual(m.calls[0]!.argv, ['-const', 'Machine == "n001.example"', '-af:t', 'Name', 'State', 'Activity', 'Draining', 'DrainingRequestId', 'DrainReason']);
});

test('htcondor: a reason with tabs and spaces is read whole; undefined fields are absent', () => {
  assert.deepEqual(parseCondorStatus('slot1@m\tClaimed\tRetiring\ttrue\t3\tfsevd: a\tb  c\n'), [
    { name: 'slot1@m', state: 'Claimed', activity: 'Retiring', draining: true, requestId: '3', reason: 'fsevd: a\tb  c' },
  ]);
  assert.deepEqual(parseCondorStatus('slot1@m\tUnclaimed\tIdle\tfalse\tundefined\tundefined\n')[0]!.reason, undefined);
});
