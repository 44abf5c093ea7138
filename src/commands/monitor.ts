/**
 * @module commands/monitor
 * `fsevd monitor [filters]`: the command-line subscriber, like `udevadm monitor`. Prints one line
 * per event (or one JSON object per line with --json / --cloudevents) on stdout, and what happens
 * to the connection on stderr. The stream client (api/stream/client.ts) keeps the cursor (the last
 * seq printed), reconnects and resumes after restarts and overflows, so every event is printed
 * once, in order.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { StreamClient, streamUrl, type StreamStatus } from '../api/stream/client.ts';
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
  const output = values.cloudevents ? 'cloudevents' : values.json ? 'json' : 'text';
  const url = streamUrl(values.url ?? `http://${values.listen ?? DEFAULT_LISTEN}`);
  const client = new StreamClient(
    {
      url,
      filter,
      format: output === 'cloudevents' ? 'cloudevents' : 'fsevd',
      ...(since === undefined ? {} : { cursor: since }),
      idPrefix: 'monitor',
      headers: token ? { authorization: `Bearer ${token}` } : {},
      ...(values.ca ? { ca: await readFile(values.ca) } : {}),
    },
    {
      events: (items, events) => {
        const lines = output === 'text' ? events.map(formatEvent) : items.map((item) => JSON.stringify(item));
        process.stdout.write(`${lines.join('\n')}\n`);
      },
      status: (status) => {
        const line = describe(status, url);
        if (line) process.stderr.write(`fsevd monitor: ${line}\n`);
      },
    },
  );
  await client.run();
}

/** The stderr line of a connection change, if it deserves one. */
function describe(status: StreamStatus, url: string): string | undefined {
  switch (status.kind) {
    case 'connected':
      return `connected to ${url}${status.resumeAfter !== undefined ? `, resuming after seq ${status.resumeAfter}` : ''}`;
    case 'subscribed':
      return status.warning;
    case 'disconnected':
      return `${status.why}; reconnecting in ${(status.retryInMs / 1000).toFixed(2)} s`;
    case 'retention':
      return `${status.count} events (seq ${status.fromSeq}–${status.toSeq}) are no longer in the journal`;
    case 'overflow':
      return `fell behind; the daemon skipped ${status.count} events (seq ${status.fromSeq}–${status.toSeq}); replaying them from the journal`;
  }
}
