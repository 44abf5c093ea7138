/**
 * Server-Sent Events on /api/v1/stream with curl as the client (a real daemon in this process):
 * filters as query parameters, resume with Last-Event-ID without gap or duplicate, CloudEvents,
 * and refusals as JSON errors with their status.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test, type TestContext } from 'node:test';
import type { FsEvent } from '../../../src/collector/types.ts';
import { run, waitFor } from '../../helpers/system.ts';
import { startApi } from '../helpers.ts';

interface SseMessage {
  id?: string;
  event?: string;
  data: string;
}

/** Runs `curl -N` on the stream, parsing messages as they come; stopped after the test. */
function curlStream(t: TestContext, url: string, headers: string[] = []) {
  const child = spawn('curl', ['-sS', '-N', ...headers.flatMap((h) => ['-H', h]), url], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill());
  const messages: SseMessage[] = [];
  let text = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
    let end: number;
    while ((end = text.indexOf('\n\n')) >= 0) {
      const block = text.slice(0, end);
      text = text.slice(end + 2);
      const message: SseMessage = { data: '' };
      for (const line of block.split('\n')) {
        const [field, ...rest] = line.split(': ');
        if (field === 'id' || field === 'event' || field === 'data') message[field] = rest.join(': ');
      }
      if (message.data) messages.push(message);
    }
  });
  const events = () => messages.filter((m) => m.event === undefined).map((m) => JSON.parse(m.data) as FsEvent);
  return { child, messages, events };
}

test('curl is a client: filters as query parameters, then resume with Last-Event-ID exactly after the last event', async (t) => {
  try {
    await run('curl', ['--version']);
  } catch {
    return t.skip('needs curl (scripts/test-deps.sh installs it)');
  }
  const api = await startApi(t);
  const first = await api.inject([{ type: 'MOUNT' }, { type: 'UMOUNT' }, { type: 'MOUNT' }]);
  const url = `${api.url}/api/v1/stream?since=0&sources=api&types=MOUNT`;
  const one = curlStream(t, url);
  await waitFor('the replayed MOUNTs', () => (one.events().length === 2 ? true : undefined));
  assert.deepEqual(one.events().map((e) => e.seq), [first[0], first[2]]);
  assert.deepEqual(one.messages.slice(0, 2).map((m) => m.id), [String(first[0]), String(first[2])], 'each event carries its seq as the SSE id');
  await waitFor('the live notice', () => one.messages.find((m) => m.event === 'live'));
  const live = await api.inject([{ type: 'MOUNT' }]);
  await waitFor('a live MOUNT', () => (one.events().length === 3 ? true : undefined));
  one.child.kill();

  const missed = await api.inject([{ type: 'MOUNT' }, { type: 'UMOUNT' }, { type: 'MOUNT' }]);
  const two = curlStream(t, url, [`Last-Event-ID: ${live[0]}`]);
  await waitFor('the events missed while away', () => (two.events().length === 2 ? true : undefined));
  const after = await api.inject([{ type: 'MOUNT' }]);
  await waitFor('live again', () => (two.events().length === 3 ? true : undefined));
  assert.deepEqual(two.events().map((e) => e.seq), [missed[0], missed[2], after[0]], 'Last-Event-ID wins over since=0: nothing repeated');
});

test('SSE in CloudEvents form, and refusals as JSON with their status', async (t) => {
  const api = await startApi(t, { limits: { connections: 1 } });
  const seqs = await api.inject([{ type: 'UMOUNT', data: { why: 'test' } }]);
  const controller = new AbortController();
  t.after(() => controller.abort());
  const response = await fetch(`${api.url}/api/v1/stream?since=0&sources=api&format=cloudevents`, { signal: controller.signal });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  while (!text.includes('event: live')) text += (await reader.read()).value ?? '';
  const data = /^data: (.*)$/m.exec(text.slice(text.indexOf(`id: ${seqs[0]}`)))![1]!;
  const cloudEvent = JSON.parse(data) as { specversion: string; type: string; id: string; data: FsEvent };
  assert.deepEqual([cloudEvent.specversion, cloudEvent.type, cloudEvent.id, cloudEvent.data.data.why], ['1.0', 'fsevd.UMOUNT', String(seqs[0]), 'test']);

  const full = await fetch(`${api.url}/api/v1/stream`);
  assert.equal(full.status, 503);
  assert.equal(((await full.json()) as { code: string }).code, 'FSEVD_E_LIMIT');
  controller.abort();
  await waitFor('the stream slot to free', async () => {
    const bad = await fetch(`${api.url}/api/v1/stream?types=NOPE`);
    return bad.status === 400 ? ((await bad.json()) as { message: string }) : undefined;
  });
  const badId = await fetch(`${api.url}/api/v1/stream`, { headers: { 'last-event-id': 'yesterday' } });
  assert.equal(badId.status, 400);
});
