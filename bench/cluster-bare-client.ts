/**
 * The baseline of bench/cluster-follow.ts (not a benchmark itself): a bare `ws` client following
 * the same node streams as `fsevd cluster` (hello → subscribe → events), noting per event the
 * delay from its creation (data.t) to its arrival, and running for each FS_ERROR the same command
 * the cluster's exec action runs (argv in $BARE_ARGV, JSON; run-command.ts, no rules, no journal),
 * so that the spawn cost of this machine is in both figures. On `{op:'report'}` over IPC it
 * answers with the events received and their arrival delays.
 * Usage (spawned with an IPC channel): node --import tsx bench/cluster-bare-client.ts PORT…
 */
import WebSocket from 'ws';
import { runCommand } from '../src/util/run-command.ts';
import { wallNow } from './lib/proc.ts';

const argv = JSON.parse(process.env.BARE_ARGV ?? '[]') as string[];

const delays: Array<{ type: string; ms: number }> = [];
for (const port of process.argv.slice(2)) {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/stream`);
  ws.on('message', (data) => {
    const message = JSON.parse(String(data)) as { type: string; events?: Array<{ type: string; data: { t: number } }> };
    if (message.type === 'hello') ws.send(JSON.stringify({ op: 'subscribe', id: 'bare' }));
    const now = wallNow();
    for (const event of message.events ?? []) {
      delays.push({ type: event.type, ms: now - event.data.t });
      if (event.type === 'FS_ERROR') void runCommand({ argv, timeoutMs: 30_000, env: { PATH: process.env.PATH!, OUT: process.env.BARE_OUT!, FSEVD_TYPE: event.type, FSEVD_DATA_T: String(event.data.t) } });
    }
  });
}
process.on('message', () => process.send!({ type: 'report', delays }));
process.on('disconnect', () => process.exit(0));
process.send!({ type: 'ready' });
