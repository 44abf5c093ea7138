/**
 * @module commands/monitor
 * `fsevd monitor [filters]`: the command-line subscriber, like `udevadm monitor`. Prints one line
 * per event (or one JSON object per line with --json / --cloudevents) on stdout, and what happens
 * to the connection on stderr. It keeps its cursor (the last seq printed): when the daemon goes
 * away it reconnects with backoff and resumes from the cursor, and when the daemon reports that
 * it had to skip events for it (`lost`, overflow) it subscribes again from the cursor, so the
 * journal fills the gap. Either way every event is printed once, in order.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import type { FsEvent } from '../collector/types.ts';
import { DEFAULT_LISTEN } from '../config/schema.ts';
import { FsevdError } from '../errors.ts';
import { formatEvent } from './monitor-format.ts';

/** Help text of `fsevd monitor`. */
export const MONITOR_HELP = `Usage: fsevd monitor [options] [filters]

Prints the events of a running daemon as they happen, one line each (like udevadm monitor).
Reconnects and resumes without gap or duplicate when the daemon restarts.

Filters (each repeatable or comma-separated; different filters must all match):
  --type TYPE        Event type (MOUNT, ERR_REMOUNT_RO, FS_ERROR, ...)
  --class CLASS      info | warning | error | threshold
  --severity LEVEL   Minimum: debug|info|notice|warning|error|critical
  --mount GLOB       Mount point glob (* within a component, ** across; /data/** includes /data)
  --fstype TYPE      Filesystem type (ext4, xfs, ...)
  --source NAME      Source that reported it (mountinfo, kmsg, api, ...)

Options:
  --since SEQ        First print the journal's matching events after SEQ (0: all it holds)
  --json             One fsevd event as JSON per line
  --cloudevents      One CloudEvents 1.0 JSON object per line
  --listen HOST:PORT Daemon address (default ${DEFAULT_LISTEN})
  --url URL          Daemon URL instead (http://, https://, ws:// or wss://)
  --token TOKEN      API token (default: $FSEVD_TOKEN); loopback needs none by default
  --ca FILE          PEM certificate to trust for https (a self-signed daemon certificate)
  -h, --help         Show this help
`;

const options = {
  type: { type: 'string', multiple: true },
  class: { type: 'string', multiple: true },
  severity: { type: 'string' },
  mount: { type: 'string', multiple: true },
  fstype: { type: 'string', multiple: true },
  source: { type: 'string', multiple: true },
  since: { type: 'string' },
  json: { type: 'boolean' },
  cloudevents: { type: 'boolean' },
  listen: { type: 'string' },
  url: { type: 'string' },
  token: { type: 'string' },
  ca: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Backoff between reconnection attempts (ms): doubles from the first to the last. */
const RECONNECT_FIRST_MS = 250;
const RECONNECT_MAX_MS = 5000;

/** Runs `fsevd monitor`; returns only on a fatal error (refused access, bad filter). */
export async function monitor(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options, strict: true, allowPositionals: false });
  if (values.help) return void process.stdout.write(MONITOR_HELP);
  const since = values.since === undefined ? undefined : Number(values.since);
  if (since !== undefined && !(Number.isSafeInteger(since) && since >= 0)) throw new FsevdError('FSEVD_E_USAGE', `--since wants a seq (got ${JSON.stringify(values.since)})`);
  const list = (v: string[] | undefined) => v?.flatMap((s) => s.split(',')).filter(Boolean);
  const filter = {
    ...(values.type ? { types: list(values.type) } : {}),
    ...(values.class ? { classes: list(values.class) } : {}),
    ...(values.severity ? { severity: values.severity } : {}),
    ...(values.mount ? { mounts: values.mount } : {}),
    ...(values.fstype ? { fstypes: list(values.fstype) } : {}),
    ...(values.source ? { sources: list(values.source) } : {}),
  };
  const token = values.token ?? process.env.FSEVD_TOKEN;
  const client = new MonitorClient({
    url: streamUrl(values.url ?? `http://${values.listen ?? DEFAULT_LISTEN}`),
    filter,
    cursor: since,
    output: values.cloudevents ? 'cloudevents' : values.json ? 'json' : 'text',
    headers: token ? { authorization: `Bearer ${token}` } : {},
    ...(values.ca ? { ca: await readFile(values.ca) } : {}),
  });
  await client.run();
}

/** ws(s)://host/api/v1/stream from any of the accepted URL forms. */
function streamUrl(base: string): string {
  const url = new URL(base);
  url.protocol = url.protocol === 'https:' || url.protocol === 'wss:' ? 'wss:' : 'ws:';
  url.pathname = '/api/v1/stream';
  return url.toString();
}

interface ClientOptions {
  url: string;
  filter: Record<string, unknown>;
  cursor: number | undefined;
  output: 'text' | 'json' | 'cloudevents';
  headers: Record<string, string>;
  ca?: Buffer;
}

type ServerMessage = { type: string; id?: string; [key: string]: unknown };

/** One monitor session: connects, subscribes, prints, resumes. */
class MonitorClient {
  readonly #options: ClientOptions;
  #cursor: number | undefined;
  /** Each (re)subscription gets a new id, so late messages of an abandoned one are ignored. */
  #generation = 0;
  #delay = RECONNECT_FIRST_MS;
  #fatal: ((err: Error) => void) | undefined;

  constructor(options: ClientOptions) {
    this.#options = options;
    this.#cursor = options.cursor;
  }

  run(): Promise<void> {
    return new Promise((_resolve, reject) => {
      this.#fatal = reject;
      this.#connect();
    });
  }

  #connect(): void {
    const ws = new WebSocket(this.#options.url, { headers: this.#options.headers, ...(this.#options.ca ? { ca: this.#options.ca } : {}) });
    let refused = false;
    ws.on('unexpected-response', (_request, response) => {
      refused = true;
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        const message = parseJson(body)?.message ?? `HTTP ${response.statusCode}`;
        const status = response.statusCode ?? 0;
        // Access refusals will not change by retrying; limits and restarts may.
        if (status === 401 || status === 403 || status === 404) this.#fatal?.(new FsevdError('FSEVD_E_STARTUP', `The daemon refused the stream: ${message}`));
        else this.#retry(`refused (${message})`);
      });
    });
    ws.on('open', () => {
      this.#delay = RECONNECT_FIRST_MS;
      process.stderr.write(`fsevd monitor: connected to ${this.#options.url}${this.#cursor !== undefined ? `, resuming after seq ${this.#cursor}` : ''}\n`);
      this.#subscribe(ws);
    });
    ws.on('message', (data) => this.#onMessage(ws, parseJson(String(data))));
    ws.on('error', () => undefined); // 'close' follows and says what to do
    ws.on('close', (code) => {
      if (!refused) this.#retry(code === 1006 ? 'connection lost' : `connection closed (${code})`);
    });
  }

  #retry(why: string): void {
    process.stderr.write(`fsevd monitor: ${why}; reconnecting in ${(this.#delay / 1000).toFixed(2)} s\n`);
    setTimeout(() => this.#connect(), this.#delay);
    this.#delay = Math.min(this.#delay * 2, RECONNECT_MAX_MS);
  }

  #subscribe(ws: WebSocket): void {
    this.#generation++;
    const format = this.#options.output === 'cloudevents' ? 'cloudevents' : 'fsevd';
    const since = this.#cursor === undefined ? {} : { since: this.#cursor };
    ws.send(JSON.stringify({ op: 'subscribe', id: `monitor-${this.#generation}`, filter: this.#options.filter, format, ...since }));
  }

  #onMessage(ws: WebSocket, message: ServerMessage | undefined): void {
    if (!message || (message.id !== undefined && message.id !== `monitor-${this.#generation}`)) return;
    switch (message.type) {
      case 'subscribed':
        // Live only: from here on, a reconnection resumes after what the daemon had then.
        this.#cursor = Number(message.cursor);
        if (message.warning) process.stderr.write(`fsevd monitor: ${String(message.warning)}\n`);
        return;
      case 'events':
        return this.#print(message.events as Array<Record<string, unknown>>);
      case 'lost':
        if (message.reason === 'retention') {
          process.stderr.write(`fsevd monitor: ${message.count} events (seq ${message.fromSeq}–${message.toSeq}) are no longer in the journal\n`);
          return;
        }
        process.stderr.write(`fsevd monitor: fell behind; the daemon skipped ${message.count} events (seq ${message.fromSeq}–${message.toSeq}); replaying them from the journal\n`);
        ws.send(JSON.stringify({ op: 'unsubscribe', id: message.id }));
        return this.#subscribe(ws);
      case 'error':
        return this.#fatal?.(new FsevdError('FSEVD_E_USAGE', `The daemon refused the subscription: ${String(message.message)}`));
    }
  }

  #print(events: Array<Record<string, unknown>>): void {
    let out = '';
    for (const item of events) {
      const event = (this.#options.output === 'cloudevents' ? item.data : item) as FsEvent;
      if (this.#cursor !== undefined && event.seq <= this.#cursor) continue;
      this.#cursor = event.seq;
      out += `${this.#options.output === 'text' ? formatEvent(event) : JSON.stringify(item)}\n`;
    }
    process.stdout.write(out);
  }
}

function parseJson(text: string): ServerMessage | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as ServerMessage) : undefined;
  } catch {
    return undefined;
  }
}
