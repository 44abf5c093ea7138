/**
 * @module rules/scheduler/cli-driver
 * A NodeDriver for schedulers driven by command-line tools (Slurm, PBS, LSF, HTCondor, Flux):
 * the driver only says which argv reads the node, how to parse and judge what they print, and
 * which argv drains and resumes; running them (timeouts, environment, error classes) is here.
 */
import { createDrainAction, failed, ok, type DrainOwner, type NodeDriver, type Step } from './drain-action.ts';
import { runChange, runTool, type ToolOptions } from './tool.ts';
import type { Action } from '../types.ts';

/** What a command-line scheduler driver says. */
export interface CliSpec<Raw> {
  /** The commands that read the node, run in order. */
  read(node: string): string[][];
  /** Parses their outputs (same order); undefined when the output is not what the tool prints. */
  parse(outputs: string[]): Raw | undefined;
  /** Down, and who drained it. */
  judge(raw: Raw): { down: boolean; drain: DrainOwner };
  /** The scheduler's words for the state, for details. */
  describe(raw: Raw): string;
  /** The command that drains (reason without prefix). */
  drain(node: string, reason: string, raw: Raw): string[];
  /** The command that resumes, or why it cannot. */
  resume(node: string, raw: Raw): string[] | { refuse: string };
  /** Tool messages that no retry will fix. */
  permanent: RegExp;
}

/** Where and how long the tools run. */
export interface CliOptions {
  timeoutMs: number;
  env?: Record<string, string>;
}

/** A NodeDriver running a CliSpec's commands. */
export function cliDriver<Raw>(spec: CliSpec<Raw>, options: CliOptions): NodeDriver<Raw> {
  const tool = (signal: AbortSignal): ToolOptions => ({ ...options, signal, permanent: spec.permanent });
  return {
    async read(node, signal) {
      const outputs: string[] = [];
      for (const argv of spec.read(node)) {
        const shown = await runTool(argv, tool(signal));
        if (!shown.ok) return shown;
        outputs.push(shown.value);
      }
      const raw = spec.parse(outputs);
      if (raw === undefined) return failed(`${spec.read(node).map((argv) => argv.join(' ')).join('; ')}: output not understood`, true);
      return ok({ ...spec.judge(raw), describe: spec.describe(raw), raw });
    },
    drain: (node, reason, state, signal) => runChange(spec.drain(node, reason, state.raw), tool(signal)),
    resume(node, state, signal): Promise<Step<void>> {
      const argv = spec.resume(node, state.raw);
      if (!Array.isArray(argv)) return Promise.resolve(failed(argv.refuse, false));
      return runChange(argv, tool(signal));
    },
  };
}

/** The Action of a command-line scheduler. */
export function createCliAction<Raw>(spec: CliSpec<Raw>, options: CliOptions): Action {
  return createDrainAction(cliDriver(spec, options));
}
