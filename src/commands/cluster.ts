/**
 * @module commands/cluster
 * `fsevd cluster`: runs the cluster subscriber (src/cluster) beside the scheduler: follows every
 * node's fsevd, runs the rules and scheduler drivers centrally, and serves its own view (REST,
 * /metrics, a page) on loopback by default. SIGTERM/SIGINT stop it cleanly (each node's last batch
 * handled and its cursor written); SIGHUP reloads the rules file (invalid rules are refused and the
 * running ones kept) and reads the node sources again.
 */
import { parseArgs } from 'node:util';
import { loadClusterConfig, DEFAULT_CLUSTER_LISTEN, type ClusterConfig } from '../cluster/config.ts';
import { buildClusterServer } from '../cluster/api/server.ts';
import { ClusterService } from '../cluster/index.ts';
import { createLogger } from '../log.ts';
import type { ActionModule } from '../rules/types.ts';
import { parseListen } from '../util/listen.ts';

/** Help text of `fsevd cluster`. */
export const CLUSTER_HELP = `Usage: fsevd cluster --config FILE [options]

Follows the fsevd of every node (node list from the config: a static list, a file, Slurm,
Kubernetes or DNS), runs the rules and scheduler drivers centrally (one incident may drain at
most a capped number of nodes; unreachable nodes are reported, optionally drained, never
resumed), and serves its own view: /api/v1/cluster/{nodes,drains,incidents,sources,rules},
/metrics and a web page at /. Each node's cursor is kept in the state dir, so restarting either
side loses and repeats nothing.

Options:
  --config FILE        Cluster config (YAML or JSON; README "Cluster mode")
  --listen HOST:PORT   HTTP address [listen] (default ${DEFAULT_CLUSTER_LISTEN})
  --state-dir DIR      Cursors and the rules journal [stateDir]
  --log-level LEVEL    fatal|error|warn|info|debug|trace|silent [logLevel] (default info)
  -h, --help           Show this help

Signals: SIGTERM/SIGINT stop cleanly; SIGHUP reloads the rules file and re-reads the node sources.
`;

const options = {
  config: { type: 'string' },
  listen: { type: 'string' },
  'state-dir': { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Runs `fsevd cluster`; resolves once stopped by a signal. */
export async function cluster(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options, strict: true, allowPositionals: false });
  if (values.help) return void process.stdout.write(CLUSTER_HELP);
  const config = await loadClusterConfig(values.config, { listen: values.listen, stateDir: values['state-dir'], logLevel: values['log-level'] });
  await serveCluster(config);
}

/**
 * Starts the service and its HTTP view, serves until SIGTERM/SIGINT, then stops cleanly. `actions`
 * replaces the action registry (a test seam: an in-process recording action).
 */
export async function serveCluster(config: ClusterConfig, seams: { actions?: Readonly<Record<string, ActionModule>> } = {}): Promise<void> {
  const logger = createLogger(config.logLevel);
  const log = logger.log;
  const service = await ClusterService.start({ config, log, ...seams }).catch((err: unknown) => {
    logger.flush();
    throw err;
  });
  const app = await buildClusterServer(service, log);
  const { host, port } = parseListen(config.listen);
  try {
    await app.listen({ host, port });
  } catch (err) {
    await service.stop();
    logger.flush();
    throw err;
  }
  const address = app.server.address();
  log.info({ address: typeof address === 'object' && address ? { host: address.address, port: address.port } : address, nodes: service.membership.endpoints().length, stateDir: config.stateDir }, 'fsevd cluster ready');
  const onHup = () => {
    service.reloadRules().then(
      (rules) => log.info({ rules }, 'Rules reloaded'),
      (err: Error) => log.error({ err: { message: err.message } }, 'Rules reload rejected; keeping the running rules'),
    );
    void service.membership.refresh();
  };
  process.on('SIGHUP', onHup);
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info({ signal }, 'Stopping');
  process.off('SIGHUP', onHup);
  await app.close();
  await service.stop();
  log.info('Stopped');
  logger.flush();
}
