/**
 * scontrol show node parsing and judging, on output captured from the real slurmctld 22.05 these
 * tests start (test/rules/actions/slurm/slurm.test.ts), trimmed to the lines that matter.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judge, parseShowNode } from '../../../../src/rules/actions/slurm/state.ts';

const show = (state: string, reason?: string) => `NodeName=vm Arch=x86_64 CoresPerSocket=2 
   NodeAddr=127.0.0.1 NodeHostName=vm Version=22.05.8
   OS=Linux 6.18.44-fc-v595 #1 SMP PREEMPT_DYNAMIC @0 
   State=${state} ThreadsPerCore=1 TmpDisk=0 Weight=1 Owner=N/A MCS_label=N/A
   Partitions=debug 
   CurrentWatts=0 AveWatts=0
${reason === undefined ? '' : `   Reason=${reason}\n`}
`;

test('the state and the reason come back whole, without the [user@time] stamp', () => {
  assert.deepEqual(parseShowNode(show('IDLE')), { state: 'IDLE', reason: undefined });
  assert.deepEqual(parseShowNode(show('IDLE+DRAIN', 'fsevd: /x unavailable | pipe [a] [root@2026-11-23T04:41:39]')), {
    state: 'IDLE+DRAIN',
    reason: 'fsevd: /x unavailable | pipe [a]',
  });
  assert.equal(parseShowNode('Node nosuch not found\n'), undefined);
});

test('ours only when the first word is exactly the prefix', () => {
  const drained = (reason?: string) => judge({ state: 'MIXED+DRAIN', reason }, 'fsevd:').drain;
  assert.equal(drained('fsevd: /scratch unavailable'), 'ours');
  assert.equal(drained('  fsevd:   spaced'), 'ours');
  assert.equal(drained('fsevd:x not a token'), 'foreign');
  assert.equal(drained('fsevd'), 'foreign');
  assert.equal(drained('admin: fsevd: quoted'), 'foreign');
  assert.equal(drained(undefined), 'foreign');
  assert.equal(judge({ state: 'IDLE', reason: 'fsevd: stale reason' }, 'fsevd:').drain, 'none');
});

test('down, future, unknown and powered-down nodes are down; FAIL is always someone else\'s', () => {
  for (const state of ['DOWN+NOT_RESPONDING', 'DOWN+DRAIN', 'FUTURE', 'UNKNOWN', 'IDLE+POWERED_DOWN']) assert.equal(judge({ state }, 'fsevd:').down, true, state);
  for (const state of ['IDLE', 'IDLE+NOT_RESPONDING', 'MIXED+DRAIN', 'ALLOCATED+COMPLETING']) assert.equal(judge({ state }, 'fsevd:').down, false, state);
  assert.equal(judge({ state: 'IDLE+FAIL', reason: 'fsevd: mine?' }, 'fsevd:').drain, 'foreign');
});
