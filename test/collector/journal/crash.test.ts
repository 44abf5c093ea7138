import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { Journal, type FsyncPolicy } from '../../../src/collector/journal/index.ts';
import { tempDir } from './helpers.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/append-forever.ts', import.meta.url));
const PROJECT = fileURLToPath(new URL('../../../', import.meta.url));
const RESTARTS = 5;

/** Runs the appending child until `killAfterMs` after it is ready, SIGKILLs it; returns the seq it started from. */
async function runAndKill(dir: string, fsync: FsyncPolicy, killAfterMs: number): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dir, fsync], {
    cwd: PROJECT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  let output = '';
  const ready = new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /^ready (\d+)\n/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    void exited.then(([code, signal]) => reject(new Error(`Child exited early: code ${code}, signal ${signal}`)));
  });
  try {
    const startSeq = await ready;
    await new Promise((resolve) => setTimeout(resolve, killAfterMs));
    child.kill('SIGKILL');
    const [, signal] = await exited;
    assert.equal(signal, 'SIGKILL', 'the child was still appending when killed');
    return startSeq;
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

test('SIGKILL mid-append: every restart continues the sequence with no gap and no duplicate', async (t) => {
  const dir = await tempDir(t);
  const policies: FsyncPolicy[] = ['never', 'interval', 'always'];
  let previousLast = 0;
  let totalDrops = 0;
  for (let run = 0; run < RESTARTS; run++) {
    const fsync = policies[run % policies.length]!;
    const killAfterMs = 50 + Math.floor(Math.random() * 251);
    const startSeq = await runAndKill(dir, fsync, killAfterMs);
    assert.equal(startSeq, previousLast, `run ${run}: the child continued from the last durable seq`);

    const journal = await Journal.open({ dir, fsync: 'never', segmentBytes: 32 * 1024, maxBytes: 1 << 30 });
    try {
      totalDrops += journal.recoveredDrops;
      const events = await journal.read(0, Infinity);
      assert.ok(journal.lastSeq > previousLast, `run ${run} (${fsync}, ${killAfterMs} ms): appended something`);
      assert.equal(events.length, journal.lastSeq, `run ${run}: one event per seq`);
      events.forEach((event, i) => {
        if (event.seq !== i + 1) assert.fail(`run ${run}: position ${i} holds seq ${event.seq}, expected ${i + 1}`);
      });
      assert.equal(journal.firstSeq, 1);
      t.diagnostic(`run ${run}: ${fsync}, killed after ${killAfterMs} ms, lastSeq ${journal.lastSeq}, drops ${journal.recoveredDrops}`);
      previousLast = journal.lastSeq;
    } finally {
      await journal.close();
    }
  }
  t.diagnostic(`records dropped at open over ${RESTARTS} kills: ${totalDrops}`);
});
