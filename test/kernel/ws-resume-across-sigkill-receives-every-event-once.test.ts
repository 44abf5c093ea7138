/**
 * A WebSocket client of a real daemon process watches tmpfs mounts coming and going under a
 * directory of its own. In the middle of a burst of mounts the daemon is killed with SIGKILL,
 * then restarted on the same state dir; the client reconnects and resumes from the last seq it
 * got. In the end it has received exactly the events the journal holds for its filter: each once,
 * in order, none missing across the kill.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import WebSocket from 'ws';
import type { FsEvent } from '../../src/collector/types.ts';
import { startDaemon } from '../helpers/daemon.ts';
import { needRoot, tempDir, waitFor } from '../helpers/system.ts';

/** A client that keeps its cursor and resumes from it on every (re)connection. */
class ResumingClient {
  received: FsEvent[] = [];
  cursor: number;
  #ws: WebSocket | undefined;

  constructor(private readonly filter: object, since: number) {
    this.cursor = since;
  }

  async connect(t: TestContext, url: string): Promise<void> {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/api/v1/stream`);
    this.#ws = ws;
    t.after(() => ws.terminate());
    ws.on('error', () => undefined);
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; events?: FsEvent[] };
      if (message.type !== 'events') return;
      for (const event of message.events!) {
        this.received.push(event);
        this.cursor = event.seq;
      }
    });
    await once(ws, 'open');
    ws.send(JSON.stringify({ op: 'subscribe', id: 'mounts', filter: this.filter, since: this.cursor }));
  }

  get closed(): Promise<unknown> {
    return this.#ws!.readyState === WebSocket.CLOSED ? Promise.resolve() : once(this.#ws!, 'close');
  }
}

/** Mounts and unmounts a tmpfs `count` times under `dir` in one shell loop; resolves when done. */
function mountBurst(dir: string, prefix: string, count: number): Promise<unknown> {
  const loop = 'i=0; while [ "$i" -lt "$3" ]; do d="$1/$2$i"; mkdir -p "$d"; mount -t tmpfs -o size=1m fsevd-resume "$d" && umount "$d"; i=$((i+1)); sleep 0.02; done';
  const child = spawn('sh', ['-c', loop, 'sh', dir, prefix, String(count)], { stdio: 'ignore' });
  return once(child, 'exit');
}

test('a client resuming after a daemon SIGKILL and restart receives every event exactly once', async (t) => {
  if (!needRoot(t)) return;
  const dir = await tempDir(t);
  const stateDir = join(dir, 'state');
  const filter = { mounts: [`${dir}/**`], types: ['MOUNT', 'UMOUNT'] };
  const first = await startDaemon(t, stateDir);
  const start = (await first.get<{ lastSeq: number }>('/healthz')).lastSeq;
  const client = new ResumingClient(filter, start);
  await client.connect(t, first.url);

  await mountBurst(dir, 'a', 10);
  await waitFor('events of the first burst', () => (client.received.length >= 4 ? true : undefined));
  // Kill in the middle of the second burst: some of its events are journaled but not yet sent.
  const burst = mountBurst(dir, 'b', 30);
  await waitFor('the second burst under way', () => (client.received.some((e) => e.mountpoint?.startsWith(`${dir}/b`)) ? true : undefined));
  assert.equal(await first.stop('SIGKILL'), 'SIGKILL');
  await client.closed;
  const second = await startDaemon(t, stateDir);
  await client.connect(t, second.url);
  await burst;
  await mountBurst(dir, 'c', 10);

  const journal = async () => (await second.events(start)).filter((e) => e.mountpoint?.startsWith(`${dir}/`) && (e.type === 'MOUNT' || e.type === 'UMOUNT'));
  const expected = await waitFor('the journal to hold the last burst', async () => {
    const events = await journal();
    return events.filter((e) => e.mountpoint?.startsWith(`${dir}/c`)).length >= 2 ? events : undefined;
  });
  await waitFor('the client to catch up', () => (client.received.at(-1)?.seq === expected.at(-1)!.seq ? true : undefined));
  const seqs = client.received.map((e) => e.seq);
  assert.equal(new Set(seqs).size, seqs.length, 'no event twice');
  assert.deepEqual(seqs, expected.map((e) => e.seq), 'every journaled event, in order');
  assert.ok(client.received.some((e) => e.mountpoint?.startsWith(`${dir}/a`)) && client.received.some((e) => e.mountpoint?.startsWith(`${dir}/c`)));
});
