/**
 * Stand-in command-line tools for schedulers that cannot run here (no Debian package: PBS, LSF,
 * HTCondor, Flux). `stubCommands(t, { pbsnodes: handler })` writes one small executable per name
 * in a temp dir; each, when run, sends its argv over a unix socket to this test process, where the
 * handler answers with stdout, stderr and an exit code (as the real tool would, with output copied
 * from the reference), and every call is recorded in order. Everything is removed after the test.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { onCleanup } from './cleanup.ts';

/** What a stand-in answers. */
export interface StubReply {
  stdout?: string;
  stderr?: string;
  /** Exit status (default 0). */
  code?: number;
  /** Never answer: the stand-in hangs until it is killed (timeouts). */
  hang?: boolean;
}

/** Answers one call of a stand-in; argv excludes the program name. */
export type StubHandler = (argv: string[]) => StubReply;

/** One recorded call. */
export interface StubCall {
  program: string;
  argv: string[];
}

/** The stand-ins: their paths by name and the calls so far. */
export interface Stubs {
  path: Record<string, string>;
  calls: StubCall[];
}

/** Creates the stand-ins; they stop answering (and are deleted) after the test. */
export async function stubCommands(t: TestContext, handlers: Record<string, StubHandler>): Promise<Stubs> {
  const dir = await mkdtemp(join(tmpdir(), 'fsevd-stub-'));
  const socket = join(dir, 'stub.sock');
  const calls: StubCall[] = [];
  // allowHalfOpen: the stand-in ends its side after sending argv and still waits for the reply.
  const server = createServer({ allowHalfOpen: true }, (conn: Socket) => {
    let data = '';
    conn.setEncoding('utf8').on('data', (chunk: string) => (data += chunk));
    conn.on('end', () => {
      const { program, argv } = JSON.parse(data) as StubCall;
      calls.push({ program, argv });
      let reply: StubReply;
      try {
        reply = handlers[program]!(argv);
      } catch (err) {
        reply = { stderr: `stub ${program} threw: ${(err as Error).message}\n`, code: 99 };
      }
      if (!reply.hang) conn.end(JSON.stringify(reply));
    });
  });
  server.listen(socket);
  await once(server, 'listening');
  onCleanup(t, async () => {
    server.close();
    await rm(dir, { recursive: true, force: true });
  });
  const path: Record<string, string> = {};
  for (const program of Object.keys(handlers)) {
    path[program] = join(dir, program);
    await writeFile(path[program]!, stubSource(process.execPath, socket, program), { mode: 0o755 });
  }
  return { path, calls };
}

/** A CommonJS client (no package.json in the temp dir, no extension: Node runs it as CommonJS). */
function stubSource(node: string, socket: string, program: string): string {
  return `#!${node}
const conn = require('node:net').connect(${JSON.stringify(socket)});
conn.end(JSON.stringify({ program: ${JSON.stringify(program)}, argv: process.argv.slice(2) }));
let data = '';
conn.setEncoding('utf8').on('data', (chunk) => (data += chunk));
conn.on('end', () => {
  const reply = JSON.parse(data);
  process.stdout.write(reply.stdout || '');
  process.stderr.write(reply.stderr || '');
  process.exitCode = reply.code || 0;
});
`;
}
