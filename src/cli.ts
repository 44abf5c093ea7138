/**
 * @module cli
 * The `fsevd` command. The only place that reads argv, installs signal handlers and exits.
 * Exit status: 0 on success, 1 on a runtime failure, 2 on a usage or configuration error; the
 * reason is one line on stderr.
 */
import { parseArgs } from 'node:util';
import { loadConfig, type ConfigOverrides } from './config/load.ts';
import { DEFAULT_LISTEN } from './config/schema.ts';
import { Daemon } from './daemon.ts';
import { ConfigError, FsevdError } from './errors.ts';
import { createLogger } from './log.ts';
import { restrictChildCapabilities } from './util/capabilities.ts';
import { version } from './version.ts';

const MAIN_HELP = `fsevd ${version} — filesystem health events for Linux nodes

Usage: fsevd <command> [options]

Commands:
  run        Start the daemon (embedded defaults; no config file needed)
  status     Show the sources and mounts of a running daemon
  monitor    Print events as they happen (filters, --json; resumes after restarts)
  config     Read or change the free-space thresholds ('/srv T 20G 10G', like /sys/fs/events/config)
  parse-log  Print the events a saved kernel log (dmesg, journalctl -k, /dev/kmsg) would yield
  cluster    Follow every node's fsevd and drain/resume nodes centrally (beside the scheduler)
  rules      Check a rules file, or show what it would do with an event (dry run)

Options:
  -h, --help     Show help (also: fsevd <command> --help)
  -V, --version  Print the version

Documentation: README.md (configuration and event reference).
`;

const RUN_HELP = `Usage: fsevd run [options]

Starts the daemon: watches every mounted filesystem, keeps a journal of events in the state
dir and serves HTTP (REST under /api/v1, /healthz) on loopback.

Options (each also settable in the config file under the name in brackets):
  --listen HOST:PORT   HTTP address [listen] (default ${DEFAULT_LISTEN})
  --config FILE        YAML or JSON config file (default: none, embedded defaults)
  --state-dir DIR      Journal and state [stateDir] (default /var/lib/fsevd as root,
                       else $XDG_STATE_HOME/fsevd)
  --log-level LEVEL    fatal|error|warn|info|debug|trace|silent [logLevel] (default info)
  --node NAME          Node name in events [node] (default: the host name)
  --dry-run            Rule actions only report what they would do [rules.dryRun]
  -h, --help           Show this help

Signals: SIGTERM/SIGINT stop cleanly (journal flushed, sockets closed); SIGHUP reloads the
config file (an invalid file is rejected and the running config kept).
`;

const STATUS_HELP = `Usage: fsevd status [--listen HOST:PORT]

Prints the sources (up/down and why) and mounts of the daemon listening at HOST:PORT
(default ${DEFAULT_LISTEN}).
`;

/** Exit code of an error: 2 for usage/config mistakes, 1 otherwise. */
function exitCodeOf(err: unknown): number {
  return err instanceof ConfigError || (err instanceof FsevdError && err.code === 'FSEVD_E_USAGE') ? 2 : 1;
}

const runOptions = {
  listen: { type: 'string' },
  config: { type: 'string' },
  'state-dir': { type: 'string' },
  'log-level': { type: 'string' },
  node: { type: 'string' },
  'dry-run': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: runOptions, strict: true, allowPositionals: false });
  if (values.help) return void process.stdout.write(RUN_HELP);
  const overrides: ConfigOverrides = { listen: values.listen, stateDir: values['state-dir'], logLevel: values['log-level'], node: values.node };
  const configFile = values.config;
  const config = await loadConfig(configFile, overrides);
  if (values['dry-run']) config.rules.dryRun = true;
  const logger = createLogger(config.logLevel);
  // Before anything can start a program: hooks and scheduler commands get none of the daemon's capabilities.
  logger.log.info(await restrictChildCapabilities(), 'Privileges');
  const daemon = await Daemon.start({ config, log: logger.log }).catch((err: unknown) => {
    logger.flush();
    throw err;
  });
  const shutdown = (signal: string) => {
    logger.log.info({ signal }, 'Stopping');
    void daemon.stop().then(() => {
      logger.log.info('Stopped');
      logger.flush();
      process.exit(0);
    });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGHUP', () => {
    loadConfig(configFile, overrides)
      .then(async (next) => {
        const needRestart = await daemon.reload(next);
        logger.log.info({ needRestart }, needRestart.length ? 'Config reloaded; some settings apply only after a restart' : 'Config reloaded');
      })
      .catch((err: unknown) => logger.log.error({ err: { message: (err as Error).message } }, 'Config reload rejected; keeping the running config'));
  });
}

async function status(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { listen: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true });
  if (values.help) return void process.stdout.write(STATUS_HELP);
  const base = `http://${values.listen ?? DEFAULT_LISTEN}`;
  const get = async (path: string) => {
    const response = await fetch(base + path).catch((err: Error) => {
      throw new FsevdError('FSEVD_E_STARTUP', `Cannot reach fsevd at ${base}: ${err.cause instanceof Error ? err.cause.message : err.message}`);
    });
    return (await response.json()) as Record<string, Array<Record<string, unknown>>>;
  };
  const { sources } = await get('/api/v1/sources');
  const { mounts } = await get('/api/v1/mounts');
  for (const s of sources ?? []) process.stdout.write(`source ${String(s.name).padEnd(12)} ${String(s.state).padEnd(8)} lost=${s.lost}${s.reason ? `  ${s.reason}` : ''}\n`);
  for (const m of mounts ?? []) process.stdout.write(`mount  ${JSON.stringify(m.mountpoint)} ${m.fstype} ${m.device}${m.readOnly ? ' ro' : ''}${m.available ? '' : ' UNAVAILABLE'}\n`);
}

/** The other commands' modules load only when they run: `fsevd run` starts without them. */
const commands: Record<string, (args: string[]) => Promise<void>> = {
  run,
  status,
  monitor: async (args) => (await import('./commands/monitor.ts')).monitor(args),
  config: async (args) => (await import('./commands/config.ts')).config(args),
  'parse-log': async (args) => (await import('./commands/parse-log.ts')).parseLog(args),
  cluster: async (args) => (await import('./commands/cluster.ts')).cluster(args),
  rules: async (args) => (await import('./commands/rules.ts')).rules(args),
};

/** Entry point. */
async function main(argv: string[]): Promise<void> {
  const [first, ...rest] = argv;
  if (first === '--version' || first === '-V') return void process.stdout.write(`${version}\n`);
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') return void process.stdout.write(MAIN_HELP);
  const command = commands[first];
  if (!command) throw new FsevdError('FSEVD_E_USAGE', `Unknown command ${JSON.stringify(first)}; see fsevd --help`);
  await command(rest);
}

// A reader that goes away (fsevd status | head) is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

main(process.argv.slice(2)).catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  const usage = err instanceof TypeError && 'code' in err && String(err.code).startsWith('ERR_PARSE_ARGS');
  process.stderr.write(`fsevd: ${message}\n`);
  process.exit(usage ? 2 : exitCodeOf(err));
});
