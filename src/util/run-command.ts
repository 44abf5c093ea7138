/**
 * @module util/run-command
 * Runs a program from an argv list (never a shell), with optional stdin and environment, a
 * timeout that kills the whole process group, and bounded captured output. Used by the exec
 * action and by every scheduler driver that calls a command-line tool.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

/** How to run a command. */
export interface RunCommandOptions {
  /** Program and arguments; argv[0] is looked up in PATH. */
  argv: readonly string[];
  /** Written to the child's stdin, then stdin is closed. */
  stdin?: string;
  /** Full environment of the child (default: the daemon's). */
  env?: NodeJS.ProcessEnv;
  /** Milliseconds before SIGTERM to the process group; SIGKILL follows after `killGraceMs`. */
  timeoutMs: number;
  /** Milliseconds between SIGTERM and SIGKILL (default 2000). */
  killGraceMs?: number;
  /** Bytes kept of stdout and of stderr each (default 64 KiB); the rest is counted, not kept. */
  maxOutputBytes?: number;
  /** Aborting kills the process group like a timeout. */
  signal?: AbortSignal;
}

/** How a command ended. */
export interface RunCommandResult {
  /** Exit status, or null when killed by a signal or not started. */
  exitCode: number | null;
  /** The signal that ended it, if any. */
  signalName: NodeJS.Signals | null;
  /** True when the timeout or the abort signal killed it. */
  timedOut: boolean;
  /** Set when the program could not be started (ENOENT, EACCES). */
  spawnError?: string;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** Runs a command to completion; never throws (failures are in the result). */
export function runCommand(options: RunCommandOptions): Promise<RunCommandResult> {
  const started = performance.now();
  const maxBytes = options.maxOutputBytes ?? 65536;
  return new Promise((resolve) => {
    const [program, ...args] = options.argv;
    if (!program) {
      resolve({ exitCode: null, signalName: null, timedOut: false, spawnError: 'empty argv', stdout: '', stderr: '', durationMs: 0 });
      return;
    }
    let child: ChildProcessWithoutNullStreams;
    try {
      // detached: the child leads its own process group, so a timeout kills its children too.
      child = spawn(program, args, { env: options.env ?? process.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (err) {
      // spawn throws synchronously on arguments it cannot pass (a NUL byte in argv or env).
      resolve({ exitCode: null, signalName: null, timedOut: false, spawnError: (err as Error).message, stdout: '', stderr: '', durationMs: performance.now() - started });
      return;
    }
    const out = { stdout: '', stderr: '' };
    const keep = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      if (out[stream].length < maxBytes) out[stream] += chunk.toString('utf8', 0, Math.min(chunk.length, maxBytes - out[stream].length));
    };
    child.stdout.on('data', keep('stdout'));
    child.stderr.on('data', keep('stderr'));
    // A child that exits without reading its stdin must not crash us with EPIPE.
    child.stdin.on('error', () => {});
    child.stdin.end(options.stdin ?? '');
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const killGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // The group is already gone.
      }
    };
    const stop = () => {
      if (timedOut) return;
      timedOut = true;
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), options.killGraceMs ?? 2000);
    };
    const timer = setTimeout(stop, options.timeoutMs);
    options.signal?.addEventListener('abort', stop, { once: true });
    let spawnError: string | undefined;
    child.on('error', (err) => {
      spawnError = err.message;
    });
    child.on('close', (code, signalName) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', stop);
      // Children that outlived the leader still belong to the group: finish them.
      if (timedOut) killGroup('SIGKILL');
      clearTimeout(killTimer);
      resolve({ exitCode: spawnError === undefined ? code : null, signalName, timedOut, spawnError, stdout: out.stdout, stderr: out.stderr, durationMs: performance.now() - started });
    });
  });
}
