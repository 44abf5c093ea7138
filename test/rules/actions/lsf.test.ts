/**
 * The lsf action against stand-in `bhosts` and `badmin` (LSF is proprietary: nothing can run
 * here). The stand-in keeps one host's status and admin comment and prints `bhosts -l` in the
 * layout of IBM's "Host status" docs (the STATUS header, the status line below it, and
 * `ADMIN ACTION COMMENT: "..."`), the lines NHC's LSF helper parses too.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { configSchema, judgeLsf, lsf, parseBhosts } from '../../../src/rules/actions/lsf.ts';
import { stubCommands, type StubCall } from '../../helpers/stub-command.ts';
import { drainContract, type SchedulerModel } from './drain-contract.ts';
import { request } from './request.ts';

const bhostsL = (status: string, comment: string | undefined) => `HOST  hostA
STATUS           CPUF  JL/U    MAX  NJOBS    RUN  SSUSP  USUSP    RSV DISPATCH_WINDOW
${status.padEnd(16)}60.00     -      2      1      1      0      0      0      -

 CURRENT LOAD USED FOR SCHEDULING:
              r15s   r1m  r15m    ut    pg    io   ls    it   tmp   swp   mem  slots
 Total         0.0   0.0   0.0    0%   0.0     0    0 28656  324M    0M 1279M      1
 Reserved      0.0   0.0   0.0    0%   0.0     0    0     0    0M    0M    0M      -
${comment === undefined ? '' : `\n ADMIN ACTION COMMENT: "${comment}"\n`}`;

async function model(t: TestContext): Promise<SchedulerModel & { calls: StubCall[] }> {
  const host = { status: 'ok', comment: undefined as string | undefined, mode: 'known' as 'known' | 'unknown-node' | 'hang' };
  const unknown = (name: string | undefined) => ({ stderr: `${name}: Bad host name, host group name or cluster name\n`, code: 255 });
  const stubs = await stubCommands(t, {
    bhosts: (argv) => {
      if (host.mode === 'hang') return { hang: true };
      return host.mode === 'unknown-node' || argv.at(-1) !== 'hostA' ? unknown(argv.at(-1)) : { stdout: bhostsL(host.status, host.comment) };
    },
    badmin: (argv) => {
      if (host.mode !== 'known' || argv.at(-1) !== 'hostA') return unknown(argv.at(-1));
      host.status = argv[0] === 'hclose' ? 'closed_Adm' : 'ok';
      host.comment = argv[argv.indexOf('-C') + 1];
      return { stdout: `${argv[0] === 'hclose' ? 'Close' : 'Open'} <hostA> ...... done\n` };
    },
  });
  const withSettings = (settings: Record<string, unknown>) =>
    lsf.create(Value.Default(configSchema, { bhosts: stubs.path.bhosts, badmin: stubs.path.badmin, ...settings }) as never);
  return {
    node: 'hostA',
    action: withSettings({}),
    withSettings,
    calls: stubs.calls,
    set(state) {
      if (state === 'foreign-drain') Object.assign(host, { status: 'closed_Adm', comment: 'closed for the GPFS upgrade' });
      if (state === 'down') Object.assign(host, { status: 'unavail', comment: 'fsevd: ours, but LIM is gone' });
      if (state === 'unknown-node' || state === 'hang') host.mode = state;
    },
    // The comment of our hopen stays behind (it is not ours); the status is what must come back.
    snapshot: () => JSON.stringify({ ...host, comment: host.comment === 'resumed by fsevd' ? undefined : host.comment }),
    drainedByUs: (reason) => host.status === 'closed_Adm' && host.comment === `fsevd: ${reason}`,
    changes: () => stubs.calls.filter((c) => c.program === 'badmin').length,
  };
}

drainContract('lsf', model);

test('lsf: the exact badmin argv; hopen leaves a comment that is not ours', async (t) => {
  const m = await model(t);
  assert.equal((await m.action.run(request('fire', m.node))).outcome, 'done');
  assert.equal((await m.action.run(request('undo', m.node))).outcome, 'done');
  assert.deepEqual(m.calls.filter((c) => c.program === 'badmin').map((c) => c.argv), [
    ['hclose', '-C', 'fsevd: /scratch unavailable', 'hostA'],
    ['hopen', '-C', 'resumed by fsevd', 'hostA'],
  ]);
});

test('lsf: closed_Lock is someone else\'s, closed_Full is not drained, unreach is down', () => {
  assert.deepEqual(parseBhosts(bhostsL('closed_Adm', 'x "quoted" y')), { status: 'closed_Adm', comment: 'x "quoted" y' });
  assert.equal(parseBhosts('hostZ: Bad host name, host group name or cluster name\n'), undefined);
  assert.deepEqual(judgeLsf({ status: 'closed_Lock', comment: 'fsevd: x' }, 'fsevd:'), { down: false, drain: 'foreign' });
  assert.deepEqual(judgeLsf({ status: 'closed_Full' }, 'fsevd:'), { down: false, drain: 'none' });
  assert.deepEqual(judgeLsf({ status: 'unreach' }, 'fsevd:'), { down: true, drain: 'none' });
  assert.deepEqual(judgeLsf({ status: 'closed_Adm' }, 'fsevd:'), { down: false, drain: 'foreign' });
});
