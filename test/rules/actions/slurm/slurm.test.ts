/**
 * The slurm action against a real single-node Slurm (Debian's slurmctld/slurmd/munge on loopback,
 * test/helpers/slurm.ts), started once for this file. Every test leaves the node idle and
 * undrained for the next one.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { configSchema, slurm } from '../../../../src/rules/actions/slurm/index.ts';
import type { Action } from '../../../../src/rules/types.ts';
import { slurmCommand, slurmSkipReason, startSlurm, type SlurmCluster } from '../../../helpers/slurm.ts';
import { waitFor } from '../../../helpers/system.ts';
import { request } from '../request.ts';

describe('slurm action on a real Slurm', { skip: slurmSkipReason() }, () => {
  let cluster: SlurmCluster;
  let action: Action;
  const scontrol = (...args: string[]) => slurmCommand(cluster.env, '/usr/bin/scontrol', args);
  const show = async () => {
    const text = await scontrol('show', 'node', cluster.node);
    return { state: /\sState=(\S+)/.exec(text)?.[1], reason: /^\s*Reason=(.*)$/m.exec(text)?.[1] };
  };
  const sinfo = async () => (await slurmCommand(cluster.env, '/usr/bin/sinfo', ['-h', '-N', '-n', cluster.node, '-o', '%T|%E'])).trim();
  const create = (settings: Record<string, unknown> = {}) =>
    slurm.create(Value.Default(configSchema, { env: { SLURM_CONF: cluster.env.SLURM_CONF! }, ...settings }) as never);
  /** Back to idle and undrained, as an admin would (RESUME clears DOWN and DRAIN). */
  const reset = async () => {
    if ((await show()).state !== 'IDLE') await scontrol('update', `NodeName=${cluster.node}`, 'State=RESUME').catch(() => '');
    await waitFor('the node to be idle', async () => ((await show()).state === 'IDLE' ? true : undefined), 30_000);
  };

  before(async () => {
    cluster = await startSlurm();
    action = create();
  });
  after(() => cluster?.stop());

  test('fire drains with our reason, a second fire is already, undo resumes and clears the reason', async () => {
    const fired = await action.run(request('fire', cluster.node));
    assert.equal(fired.outcome, 'done', fired.detail);
    const drained = await show();
    assert.equal(drained.state, 'IDLE+DRAIN');
    assert.match(drained.reason ?? '', /^fsevd: \/scratch unavailable \[root@\d{4}-\d\d-\d\dT[\d:]+\]$/);
    assert.equal(await sinfo(), 'drained|fsevd: /scratch unavailable');

    const again = await action.run(request('fire', cluster.node, { reason: 'another reason' }));
    assert.equal(again.outcome, 'already', again.detail);
    assert.equal((await show()).reason, drained.reason, 'the reason (and its stamp) are left as they were');

    const undone = await action.run(request('undo', cluster.node));
    assert.equal(undone.outcome, 'done', undone.detail);
    const resumed = await show();
    assert.match(resumed.state ?? '', /^IDLE(\+NOT_RESPONDING)?$/);
    assert.equal(resumed.reason, undefined);
    assert.equal((await action.run(request('undo', cluster.node))).outcome, 'already');
    await reset();
  });

  test('dry run reads the node and changes nothing', async () => {
    const fired = await action.run(request('fire', cluster.node, { dryRun: true }));
    assert.equal(fired.outcome, 'skipped');
    assert.match(fired.detail, /^dry run: would drain/);
    assert.deepEqual(await show(), { state: 'IDLE', reason: undefined });
    assert.equal((await action.run(request('fire', cluster.node))).outcome, 'done');
    const undone = await action.run(request('undo', cluster.node, { dryRun: true }));
    assert.match(undone.detail, /^dry run: would resume/);
    assert.equal((await show()).state, 'IDLE+DRAIN');
    await reset();
  });

  test('an admin\'s drain is never resumed nor its reason overwritten', async () => {
    for (const reason of ['admin: replacing a disk', 'fsevd:x looks like ours but is not', 'NHC: check_fs_mount failed']) {
      await scontrol('update', `NodeName=${cluster.node}`, 'State=DRAIN', `Reason=${reason}`);
      const before = await show();
      const fired = await action.run(request('fire', cluster.node));
      assert.equal(fired.outcome, 'skipped', fired.detail);
      assert.match(fired.detail, /drained by someone else/);
      const undone = await action.run(request('undo', cluster.node));
      assert.equal(undone.outcome, 'skipped', undone.detail);
      assert.deepEqual(await show(), before, `${reason}: state, reason and stamp unchanged`);
      await reset();
    }
    // A site that chose another prefix does not own plain fsevd: reasons.
    await action.run(request('fire', cluster.node));
    const other = create({ reasonPrefix: 'site-fsevd:' });
    assert.equal((await other.run(request('undo', cluster.node))).outcome, 'skipped');
    assert.equal((await show()).state, 'IDLE+DRAIN');
    await reset();
  });

  test('a down node is not touched', async () => {
    await scontrol('update', `NodeName=${cluster.node}`, 'State=DOWN', 'Reason=admin down');
    const before = await show();
    assert.match(before.state ?? '', /^DOWN/);
    for (const phase of ['fire', 'undo'] as const) {
      const result = await action.run(request(phase, cluster.node));
      assert.equal(result.outcome, 'skipped', result.detail);
      assert.match(result.detail, /is down/);
    }
    assert.deepEqual(await show(), before);
    await reset();
  });

  test('a job submitted while drained stays pending and runs after resume', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fsevd-slurm-job-'));
    try {
      assert.equal((await action.run(request('fire', cluster.node))).outcome, 'done');
      const marker = join(dir, 'ran');
      const submitted = await slurmCommand(cluster.env, '/usr/bin/sbatch', ['--parsable', '--output=/dev/null', `--chdir=${dir}`, `--wrap=echo ran > ${marker}`]);
      const job = submitted.trim().split(';')[0]!;
      // The scheduler looked at it (sched_interval=1) and left it pending because of the drain.
      const why = await waitFor('the pending reason', async () => {
        const [state, reason] = (await slurmCommand(cluster.env, '/usr/bin/squeue', ['-h', '-j', job, '-o', '%T|%r'])).trim().split('|');
        return state === 'PENDING' && reason && reason !== 'None' ? reason : undefined;
      }, 30_000);
      assert.match(why, /DRAINED|ReqNodeNotAvail|Resources/);
      await assert.rejects(readFile(marker), 'the job has not run');
      assert.equal((await action.run(request('undo', cluster.node))).outcome, 'done');
      assert.equal(await waitFor('the job to run', () => readFile(marker, 'utf8').catch(() => undefined), 60_000), 'ran\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
      await reset();
    }
  });

  test('odd reasons are written on one line, verbatim', async () => {
    const reason = `/scratch "quoted" $(touch /tmp/never) 'x'\nsecond line; | pipe`;
    assert.equal((await action.run(request('fire', cluster.node, { reason }))).outcome, 'done');
    assert.match((await show()).reason ?? '', /^fsevd: \/scratch "quoted" \$\(touch \/tmp\/never\) 'x' second line; \| pipe \[root@/);
    assert.equal((await action.run(request('undo', cluster.node))).outcome, 'done');
    await reset();
  });

  test('an unknown node, a bad node name and a missing scontrol fail without retry', async () => {
    for (const [node, act] of [['no-such-node', action], ['vm;rm -rf /', action], [cluster.node, create({ scontrol: '/nonexistent/scontrol' })]] as const) {
      const result = await act.run(request('fire', node));
      assert.equal(result.outcome, 'failed', result.detail);
      assert.equal(result.retryable, false, result.detail);
    }
  });
});
