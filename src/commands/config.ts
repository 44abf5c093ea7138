/**
 * @module commands/config
 * `fsevd config ['LINE']`: the CLI counterpart of `echo LINE > /sys/fs/events/config`, talking to
 * the running daemon's REST API (/api/v1/thresholds). Without LINE it prints the configuration in
 * the proposal's read format (`cat /sys/fs/events/config`); with LINE it applies the requests
 * (whole or not at all) and prints the result; the daemon's refusal, which names each bad
 * request, goes to stderr with exit status 2.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_LISTEN } from '../config/schema.ts';
import { ConfigError, FsevdError } from '../errors.ts';

/** Help text of `fsevd config`. */
export const CONFIG_HELP = `Usage: fsevd config [options] ['REQUESTS']

Reads or changes the free-space thresholds of a running daemon, in the syntax of the 2015
kernel proposal's /sys/fs/events/config:

  fsevd config                            print the entries (read format)
  fsevd config '/srv G T 20G 10G'         L1 = 20 GiB, L2 = 10 GiB available on /srv
  fsevd config '/data T 15% 5% I 10%'     percentages of the size; I: inode levels
  fsevd config '/scratch T 710000 500000' decimal numbers are available blocks
  fsevd config '!/srv T'                  drop /srv's levels;  '!/srv' drops the entry
  fsevd config ''                         clear every entry (mounts fall back to the defaults)
  fsevd config '/a T 10G; /b T 5%'        several requests, separated by ';'

A change is validated whole and applied whole, or not at all; the error names each bad request.

Options:
  --replace          Replace the whole configuration with REQUESTS instead of applying them
  --if-version N     Apply only if the configuration is still at version N
  --json             Print JSON (version, entries) instead of the read format
  --listen HOST:PORT Daemon address (default ${DEFAULT_LISTEN})
  --token TOKEN      Admin API token for changes (default: $FSEVD_TOKEN)
  -h, --help         Show this help
`;

const options = {
  replace: { type: 'boolean' },
  'if-version': { type: 'string' },
  json: { type: 'boolean' },
  listen: { type: 'string' },
  token: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Runs `fsevd config`. */
export async function config(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: true });
  if (values.help) return void process.stdout.write(CONFIG_HELP);
  if (positionals.length > 1) throw new FsevdError('FSEVD_E_USAGE', 'Give the requests as one argument (quote it; separate requests with ";")');
  const base = `http://${values.listen ?? DEFAULT_LISTEN}/api/v1/thresholds`;
  const token = values.token ?? process.env.FSEVD_TOKEN;
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const [requests] = positionals;
  if (requests !== undefined) {
    const ifVersion = values['if-version'];
    const method = values.replace ? 'PUT' : 'POST';
    const body = await call(base, { method, headers: { ...headers, 'content-type': 'text/plain', ...(ifVersion ? { 'if-match': `"${ifVersion}"` } : {}) }, body: requests });
    const kernel = body.kernel as { present: boolean; failed?: { request: string; error: string } } | undefined;
    if (kernel?.failed) process.stderr.write(`fsevd: the kernel refused ${JSON.stringify(kernel.failed.request)} (${kernel.failed.error}); fsevd evaluates it itself\n`);
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(await call(base, { headers }), null, 2)}\n`);
    return;
  }
  const document = await call(base, { headers });
  process.stdout.write(String(document.text));
}

async function call(url: string, init: RequestInit): Promise<Record<string, unknown>> {
  const response = await fetch(url, init).catch((err: Error) => {
    throw new FsevdError('FSEVD_E_STARTUP', `Cannot reach fsevd at ${new URL(url).host}: ${err.cause instanceof Error ? err.cause.message : err.message}`);
  });
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (response.ok) return body;
  const message = typeof body.message === 'string' ? body.message : `HTTP ${response.status}`;
  // A refused request is a usage error (exit 2), like a bad config file.
  if (response.status === 400) throw new ConfigError([message.replace(/^Invalid configuration: /, '')]);
  throw new FsevdError('FSEVD_E_BAD_REQUEST', message);
}
