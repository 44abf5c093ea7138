/**
 * @module rules/actions/exec
 * Runs a program for each fire (and, with `undoArgv`, each undo), zed-zedlet style:
 * - `argv` is the program and its arguments, exactly (no shell; nothing is interpolated);
 * - stdin: the event as one JSON object (exact: non-UTF-8 path bytes as "\udcXX");
 * - environment: PATH and LANG from the daemon, `env` from the rule, and FSEVD_* (rules/hook-env.ts:
 *   FSEVD_PHASE fire|undo, FSEVD_RULE, FSEVD_KEY, FSEVD_NODE, FSEVD_REASON, FSEVD_TYPE,
 *   FSEVD_MOUNTPOINT, FSEVD_DEVICE, FSEVD_SEQ, …, FSEVD_DATA_<NAME>);
 * - exit status: 0 done; 75 (EX_TEMPFAIL) a temporary failure, tried again with backoff; any
 *   other a failure. At `timeout` the whole process group gets SIGTERM, then SIGKILL after
 *   `killGrace` (util/run-command.ts), so children die with it.
 * - stdout and stderr (up to 64 KiB each) are logged with the outcome.
 * The engine gives each key one run at a time, in order, under the global concurrency cap.
 * Not idempotent unless `idempotent: true`: a run cut short by a crash is not repeated.
 */
import { Type, type Static } from '@sinclair/typebox';
import { runCommand } from '../../util/run-command.ts';
import { durationMs, durationSchema } from '../duration.ts';
import { hookEnvironment } from '../hook-env.ts';
import type { Action, ActionContext, ActionModule, ActionRequest, ActionResult } from '../types.ts';

/** Exit status asking for a later retry (sysexits.h EX_TEMPFAIL). */
export const EXIT_RETRY = 75;
/** Characters of each output stream written to the log line. */
const LOGGED_OUTPUT_CHARS = 4096;

const argvSchema = (description: string) => Type.Array(Type.String({ minLength: 1, pattern: '^[^\\u0000]*$' }), { minItems: 1, maxItems: 256, description });

/** Settings of an exec action. */
export const configSchema = Type.Object(
  {
    argv: argvSchema('Program and arguments, run without a shell, on fire.'),
    undoArgv: Type.Optional(argvSchema('Program and arguments run on undo (none: nothing to undo).')),
    timeout: durationSchema('Time before the process group is killed.', '30s'),
    killGrace: durationSchema('Time between SIGTERM and SIGKILL.', '2s'),
    env: Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), Type.String({ pattern: '^[^\\u0000]*$' }), { default: {}, description: 'Extra environment variables.' }),
    idempotent: Type.Boolean({ default: false, description: 'Whether a run cut short by a crash may be run again after the restart.' }),
  },
  { additionalProperties: false },
);

type ExecConfig = Static<typeof configSchema>;

function create(config: ExecConfig, context: ActionContext): Action {
  const timeoutMs = durationMs(config.timeout);
  const killGraceMs = durationMs(config.killGrace);
  const base: Record<string, string> = {};
  for (const name of ['PATH', 'LANG'] as const) if (process.env[name] !== undefined) base[name] = process.env[name]!;
  return {
    undoable: config.undoArgv !== undefined,
    idempotent: config.idempotent,
    async run(request: ActionRequest): Promise<ActionResult> {
      const argv = request.phase === 'fire' ? config.argv : config.undoArgv;
      if (!argv) return { outcome: 'skipped', detail: 'no undoArgv: nothing to undo' };
      if (request.dryRun) return { outcome: 'skipped', detail: `dry run: would run ${JSON.stringify(argv)} with the event on stdin` };
      const result = await runCommand({
        argv,
        stdin: `${JSON.stringify(request.event)}\n`,
        env: { ...base, ...config.env, ...hookEnvironment(request) },
        timeoutMs,
        killGraceMs,
        signal: request.signal,
      });
      const output = { stdout: result.stdout.slice(0, LOGGED_OUTPUT_CHARS), stderr: result.stderr.slice(0, LOGGED_OUTPUT_CHARS) };
      context.log.info({ phase: request.phase, key: request.key, argv0: argv[0], exitCode: result.exitCode, signal: result.signalName, timedOut: result.timedOut, durationMs: Math.round(result.durationMs), ...output }, 'Hook ended');
      if (result.spawnError !== undefined) return { outcome: 'failed', detail: `cannot start ${argv[0]}: ${result.spawnError}` };
      if (result.timedOut) return { outcome: 'failed', timedOut: true, detail: `killed after ${timeoutMs} ms${request.signal.aborted ? ' (fsevd stopping)' : ''}` };
      if (result.exitCode === 0) return { outcome: 'done', detail: `${argv[0]} exited 0` };
      const why = result.exitCode === null ? `killed by ${result.signalName}` : `exited ${result.exitCode}`;
      const tail = result.stderr.trim().split('\n').at(-1)?.slice(0, 200);
      return { outcome: 'failed', retryable: result.exitCode === EXIT_RETRY, detail: `${argv[0]} ${why}${tail ? `: ${tail}` : ''}` };
    },
  };
}

/** The exec action module. */
export const exec = { configSchema, create } satisfies ActionModule;
