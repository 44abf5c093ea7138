/**
 * The client side of bench/ws-fanout.ts: N WebSocket clients in one process (not the server's),
 * driven over IPC. Each client counts the events it receives (occurrences of `{"seq":`, which
 * starts every event, whether a frame carries one event or a batch), so both servers cost the
 * clients the same per event; it reports when every tracked client has received each round, which
 * paces the publisher. For latency, it parses each event's publish time. Not a benchmark itself.
 */
import { once } from 'node:events';
import WebSocket from 'ws';
import { monotonicMs, type ClientsCommand, type ClientsReply } from './ws-fanout-protocol.ts';

const EVENT_START = Buffer.from('{"seq":');
const LOST = Buffer.from('"type":"lost"');
const sockets: WebSocket[] = [];
const counts: number[] = [];
let perRound = 1;
/** Clients 0..active-1 are tracked (a paused one is left out by being last). */
let active = 0;
const roundsDone: number[] = [];
let reported = 0;
let lost = 0;
let measureLatency = false;
let samples: number[] = [];

function countEvents(data: Buffer): number {
  let n = 0;
  for (let at = data.indexOf(EVENT_START); at >= 0; at = data.indexOf(EVENT_START, at + EVENT_START.length)) n++;
  return n;
}

function onMessage(index: number, data: Buffer): void {
  const n = countEvents(data);
  if (n === 0) {
    if (data.includes(LOST)) lost++;
    return;
  }
  if (measureLatency) {
    const parsed = JSON.parse(String(data)) as { events?: Array<{ data: { t: number } }>; data?: { t: number } };
    const at = monotonicMs();
    for (const event of parsed.events ?? [parsed as { data: { t: number } }]) samples.push(at - event.data.t);
  }
  if (index >= active) return;
  const before = Math.floor(counts[index]! / perRound);
  counts[index]! += n;
  const after = Math.floor(counts[index]! / perRound);
  for (let round = before; round < after; round++) {
    roundsDone[round] = (roundsDone[round] ?? 0) + 1;
    while (roundsDone[reported] === active) process.send!({ done: reported++ } satisfies ClientsReply);
  }
}

async function connect(url: string, n: number, fsevd: boolean): Promise<void> {
  // A few at a time: a burst of 1,000 SYNs overflows the listen backlog.
  const CONCURRENT = 50;
  for (let start = 0; start < n; start += CONCURRENT) {
    await Promise.all(
      Array.from({ length: Math.min(CONCURRENT, n - start) }, async () => {
        const ws = new WebSocket(url, { perMessageDeflate: false });
        const index = sockets.push(ws) - 1;
        counts[index] = 0;
        ws.on('error', (err) => process.stderr.write(`bench client ${index}: ${err.message}\n`));
        await once(ws, 'open');
        if (fsevd) {
          // A filter that every event passes but that is evaluated (not the match-all fast path).
          ws.send(JSON.stringify({ op: 'subscribe', id: 'b', filter: { classes: ['error', 'warning'], severity: 'warning' }, buffer: 5000 }));
          await new Promise<void>((resolve) => ws.on('message', function first(data: Buffer) {
            if (String(data).includes('"subscribed"')) {
              ws.off('message', first);
              resolve();
            }
          }));
        }
        ws.on('message', (data: Buffer) => onMessage(index, data));
      }),
    );
  }
}

process.on('message', (message: ClientsCommand) => {
  switch (message.cmd) {
    case 'connect':
      void connect(message.url, message.n, message.fsevd).then(() => process.send!({ connected: sockets.length } satisfies ClientsReply));
      return;
    case 'track':
      perRound = message.perRound;
      active = message.active;
      counts.fill(0);
      roundsDone.length = 0;
      reported = 0;
      break;
    case 'latency':
      measureLatency = message.on;
      break;
    case 'pause':
      sockets[message.index]!.pause();
      break;
    case 'resume':
      sockets[message.index]!.resume();
      break;
    case 'report':
      process.send!({ report: { lost, samples } } satisfies ClientsReply);
      samples = [];
      return;
  }
  process.send!({ ack: message.cmd } satisfies ClientsReply);
});
process.on('disconnect', () => process.exit(0));
