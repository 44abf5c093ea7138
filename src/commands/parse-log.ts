/**
 * @module commands/parse-log
 * `fsevd parse-log [FILE|-]`: prints the events fsevd would have published for a saved kernel
 * log (log-replay.ts), one line per event or one JSON object per line.
 */
import { createReadStream } from 'node:fs';
import { hostname } from 'node:os';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { configSchema as correlationSchema } from '../collector/pipeline/correlate.ts';
import { configSchema as kmsgSchema } from '../collector/sources/kmsg/index.ts';
import type { FsEvent } from '../collector/types.ts';
import { FsevdError } from '../errors.ts';
import { LogReplay } from './log-replay.ts';

/** Help of the command. */
export const PARSE_LOG_HELP = `Usage: fsevd parse-log [FILE|-] [options]

Runs a saved kernel log through fsevd's catalog of kernel messages and prints the events the
daemon would have published, one per line (or one JSON object per line with --json). Reads
standard input when FILE is "-" or absent.

Accepted input (mixed freely): /dev/kmsg records (cat /dev/kmsg), dmesg -r, dmesg -x, plain
dmesg, dmesg -T, journalctl -k (short, short-iso, short-precise, short-monotonic, -o json).
Records written from user space (facility other than kern) are ignored where the format says
so; plain dmesg and journalctl short output do not, so their lines are taken as kernel lines.

Options:
  --json             One event per line as JSON (the API's event format)
  --no-correlate     One event per recognised line (no folding of repeats and sources)
  --window MS        Correlation window (default ${correlationSchema.properties.windowMs.default})
  --boot-time ISO    When the logged system booted, for logs that count seconds since boot
                     (kmsg, dmesg); without it their times count from 1970-01-01
  --year YYYY        Year of journalctl short timestamps (default: this year)
  --node NAME        Node name in the events (default: the log's host name, else this host)
  -h, --help         Show this help

Events carry the device or server the message names (data.unresolvedMount): there is no mount
table to map them to mount points.
`;

const options = {
  json: { type: 'boolean' },
  'no-correlate': { type: 'boolean' },
  window: { type: 'string' },
  'boot-time': { type: 'string' },
  year: { type: 'string' },
  node: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Runs the command. */
export async function parseLog(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: true });
  if (values.help) return void process.stdout.write(PARSE_LOG_HELP);
  if (positionals.length > 1) throw new FsevdError('FSEVD_E_USAGE', 'parse-log takes one FILE (or - for standard input)');
  const windowMs = integerOption('--window', values.window, correlationSchema.properties.windowMs.default);
  const bootTime = values['boot-time'] === undefined ? 0 : Date.parse(values['boot-time']);
  if (!Number.isFinite(bootTime)) throw new FsevdError('FSEVD_E_USAGE', `--boot-time ${JSON.stringify(values['boot-time'])} is not a date`);
  const file = positionals[0] ?? '-';
  const input = file === '-' ? process.stdin : createReadStream(file);
  const opened = new Promise<void>((resolve, reject) => {
    if (input === process.stdin) return resolve();
    input.once('open', () => resolve());
    input.once('error', (err: Error) => reject(new FsevdError('FSEVD_E_USAGE', `Cannot read ${file}: ${err.message}`, { cause: err })));
  });
  await opened;
  const correlation = values['no-correlate'] ? undefined : { windowMs, holdMs: 0, maxSpanMs: correlationSchema.properties.maxSpanMs.default };
  const replay = new LogReplay({
    correlation,
    correctionWaitMs: kmsgSchema.properties.correctionWaitMs.default,
    node: values.node ?? hostname(),
    bootTime,
    year: integerOption('--year', values.year, new Date().getFullYear()),
    emit: (event) => process.stdout.write(values.json ? `${JSON.stringify(event)}\n` : `${describe(event)}\n`),
  });
  for await (const line of createInterface({ input: input.setEncoding('utf8'), crlfDelay: Infinity })) replay.line(line);
  replay.end();
  if (replay.stats.recognised < replay.stats.lines) {
    process.stderr.write(`fsevd: ${replay.stats.lines - replay.stats.recognised} of ${replay.stats.lines} lines are in no known log format (skipped)\n`);
  }
}

function integerOption(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 0) throw new FsevdError('FSEVD_E_USAGE', `${name} needs a non-negative integer, not ${JSON.stringify(value)}`);
  return number;
}

/** Events before this have no wall-clock time: the log counted seconds since boot and no --boot-time was given. */
const NO_WALL_CLOCK_BEFORE = Date.UTC(1971, 0, 1);

/** "2026-… FS_ERROR error loop0 count=1 errno=117 EXT4-fs error (device loop0): …" */
function describe(event: FsEvent): string {
  const data = event.data;
  const sinceBoot = Date.parse(event.time) < NO_WALL_CLOCK_BEFORE && typeof data.kernelTime === 'number';
  const when = sinceBoot ? `[${(data.kernelTime as number).toFixed(6).padStart(13)}]` : event.time;
  const ref = (data.unresolvedMount ?? {}) as Record<string, unknown>;
  const where = event.mountpoint ?? String(ref.deviceName ?? ref.server ?? ref.fsname ?? ref.fstype ?? '-');
  const parts = [when, event.type, event.severity, where, `count=${event.count}`];
  if (typeof data.errno === 'number') parts.push(`errno=${data.errno}`);
  if (typeof data.lost === 'number') parts.push(`lost=${data.lost}`);
  const incident = data.incident as { seq?: number } | undefined;
  if (incident?.seq !== undefined) parts.push(`follows=${incident.seq}`);
  if (typeof data.text === 'string') parts.push(data.text);
  return parts.join('  ');
}
