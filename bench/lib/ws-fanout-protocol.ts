/**
 * What bench/ws-fanout.ts and its two helper processes (ws-fanout-server.ts, ws-fanout-clients.ts)
 * say to each other over IPC, and the clock they share. Not a benchmark itself.
 */

/** Milliseconds on CLOCK_MONOTONIC (libuv's hrtime): one clock for every process of the machine, so a publish time taken in the server and a receive time taken in the clients process compare directly. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** What the benchmark asks of the server process. */
export type ServerCommand = { cmd: 'publish'; count: number } | { cmd: 'gc' };
/** What the server process answers. */
export type ServerReply = { ready: string } | { published: number } | { gcDone: true };

/** What the benchmark asks of the clients process. */
export type ClientsCommand =
  | { cmd: 'connect'; url: string; n: number; fsevd: boolean }
  | { cmd: 'track'; perRound: number; active: number }
  | { cmd: 'latency'; on: boolean }
  | { cmd: 'pause'; index: number }
  | { cmd: 'resume'; index: number }
  | { cmd: 'report' };
/** What the clients process answers; every command but connect and report is acknowledged with `ack`, so the benchmark can wait until it applies before it publishes. */
export type ClientsReply = { connected: number } | { done: number } | { ack: ClientsCommand['cmd'] } | { report: { lost: number; samples: number[] } };
