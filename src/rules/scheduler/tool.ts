/**
 * @module rules/scheduler/tool
 * Runs a scheduler's command-line tool for a driver (through runCommand: argv, no shell, the
 * process group killed at the timeout) and turns how it ended into a step: stdout when it
 * succeeded, otherwise a `failed` result whose `retryable` says whether trying later can help.
 */
import { runCommand } from '../../util/run-command.ts';
import { failed, ok, type Step } from './drain-action.ts';

/** How a driver runs its tools. */
export interface ToolOptions {
  timeoutMs: number;
  /** Added to the daemon's environment. */
  env?: Record<string, string>;
  signal: AbortSignal;
  /** Messages that no retry will fix (unknown node, permission denied): `retryable: false`. */
  permanent?: RegExp;
}

/** Most characters of a tool's message kept in a result's detail. */
const MAX_MESSAGE = 300;

/** Runs `argv`; resolves to its stdout on exit 0. */
export async function runTool(argv: readonly string[], options: ToolOptions): Promise<Step<string>> {
  const env = options.env ? { ...process.env, ...options.env } : process.env;
  const result = await runCommand({ argv, env, timeoutMs: options.timeoutMs, signal: options.signal });
  const what = `${argv[0]} ${argv[1] ?? ''}`.trim();
  if (result.spawnError !== undefined) return failed(`${what} could not be started: ${result.spawnError}`, false);
  if (result.timedOut) return failed(options.signal.aborted ? `${what} aborted` : `${what} timed out after ${options.timeoutMs} ms`, true);
  if (result.exitCode === 0) return ok(result.stdout);
  const message = oneLine(result.stderr) || oneLine(result.stdout) || `exit ${result.exitCode ?? result.signalName}`;
  return failed(`${what} failed: ${message}`, !(options.permanent?.test(message) ?? false));
}

/** The first non-empty lines of a tool's output, on one line and bounded. */
export function oneLine(text: string): string {
  return text.split('\n').map((line) => line.trim()).filter(Boolean).join(' / ').slice(0, MAX_MESSAGE);
}

/** Runs a tool that changes something; only success matters, not its output. */
export async function runChange(argv: readonly string[], options: ToolOptions): Promise<Step<void>> {
  const done = await runTool(argv, options);
  return done.ok ? ok(undefined) : done;
}
