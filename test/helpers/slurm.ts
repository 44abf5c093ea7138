/**
 * A real single-node Slurm for tests, from Debian's packages (slurmctld, slurmd, slurm-client,
 * munge): a private munged, slurmctld and slurmd bound to 127.0.0.1 on ports the kernel picked,
 * with every config, key, socket, state and log file under one temp dir. Nothing is written to
 * /etc/slurm, /etc/munge or /run/munge, so every client needs `SLURM_CONF` (use `env`).
 *
 * Usage (start once per test file: it takes about a second, stopping about two):
 *   const skip = slurmSkipReason();
 *   describe('...', { skip }, () => {
 *     let slurm: SlurmCluster;
 *     before(async () => { slurm = await startSlurm(); });
 *     after(() => slurm?.stop());
 *   });
 * `stop()` cancels the jobs, stops exactly the processes it started (and job processes that
 * carry this cluster's SLURM_CONF), then removes the directory. A failed start cleans up itself.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isRoot, run, waitFor } from './system.ts';

/** A running cluster. */
export interface SlurmCluster {
  /** The node's Slurm name (the short host name). */
  node: string;
  /** process.env plus SLURM_CONF: pass it to every Slurm client (scontrol, sinfo, sbatch…). */
  env: NodeJS.ProcessEnv;
  /** The temp dir holding everything (etc/, munge/, state/, log/). */
  base: string;
  /** Stops what was started and removes `base`; safe to call twice. */
  stop(): Promise<void>;
}

const PROGRAMS = ['/usr/sbin/munged', '/usr/sbin/mungekey', '/usr/sbin/slurmctld', '/usr/sbin/slurmd', '/usr/bin/scontrol', '/usr/bin/sinfo', '/usr/bin/sbatch'];

/** Why a Slurm test cannot run here, or undefined when it can. */
export function slurmSkipReason(): string | undefined {
  if (!isRoot) return 'needs root: slurmctld/slurmd run as root (CI runs as root)';
  const missing = PROGRAMS.filter((path) => !existsSync(path));
  if (missing.length > 0) return `Slurm/munge not installed (${missing.join(', ')}): apt-get install slurmctld slurmd slurm-client munge (scripts/test-deps.sh)`;
  return undefined;
}

/** Starts munged, slurmctld and slurmd and waits until the node is idle; throws (after cleaning up) on failure. */
export async function startSlurm(): Promise<SlurmCluster> {
  const base = await mkdtemp(join(tmpdir(), 'fsevd-slurm-'));
  const children: ChildProcess[] = [];
  const conf = join(base, 'etc', 'slurm.conf');
  const env = { ...process.env, SLURM_CONF: conf };
  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= teardown(base, conf, env, children));
  try {
    for (const dir of ['etc', 'munge', 'state/ctld', 'state/slurmd', 'log', 'run']) await mkdir(join(base, dir), { recursive: true, mode: 0o700 });
    const node = hostname().split('.')[0]!;
    const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
    const socket = join(base, 'munge', 'munge.socket.2');
    await run('/usr/sbin/mungekey', ['--create', `--keyfile=${join(base, 'munge', 'munge.key')}`]);
    children.push(daemon(base, 'munged', ['/usr/sbin/munged', '-F', '--force', `--socket=${socket}`, `--key-file=${join(base, 'munge', 'munge.key')}`,
      `--pid-file=${join(base, 'run', 'munged.pid')}`, `--seed-file=${join(base, 'munge', 'seed')}`, `--log-file=${join(base, 'log', 'munged.log')}`], env));
    await waitFor('munged socket', () => (existsSync(socket) ? true : undefined), 10_000);
    await writeFile(conf, slurmConf(base, node, ctldPort, slurmdPort, socket, await topology()));
    await writeFile(join(base, 'etc', 'plugstack.conf'), '');
    children.push(daemon(base, 'slurmctld', ['/usr/sbin/slurmctld', '-D', '-f', conf], env));
    children.push(daemon(base, 'slurmd', ['/usr/sbin/slurmd', '-D', '-f', conf, '-N', node], env));
    await waitFor('the Slurm node to be idle', async () => {
      for (const child of children) if (child.exitCode !== null) throw new Error(`${child.spawnfile} exited early; see ${join(base, 'log')}`);
      const state = await slurmCommand(env, '/usr/bin/sinfo', ['-h', '-N', '-n', node, '-o', '%t']).catch(() => '');
      return state.trim() === 'idle' ? true : undefined;
    }, 30_000);
    return { node, env, base, stop };
  } catch (err) {
    const logs = await readFile(join(base, 'log', 'slurmctld.log'), 'utf8').catch(() => '');
    await stop();
    throw new Error(`Slurm did not start: ${(err as Error).message}\n${logs.slice(-2000)}`, { cause: err });
  }
}

/** Runs a Slurm client with the cluster's environment; resolves to stdout, rejects with stderr. */
export async function slurmCommand(env: NodeJS.ProcessEnv, file: string, args: string[]): Promise<string> {
  try {
    return (await promisify(execFile)(file, args, { env, timeout: 15_000, encoding: 'utf8' })).stdout;
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`${file} ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`);
  }
}

/** Starts one daemon in its own session, output to its log. */
function daemon(base: string, name: string, argv: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const [file, ...args] = argv;
  const child = spawn(file!, args, { env, detached: true, stdio: 'ignore' });
  child.on('error', () => {}); // reported by the readiness wait (exitCode) instead
  void writeFile(join(base, 'run', `${name}.pid`), `${child.pid}\n`).catch(() => {});
  return child;
}

/** Cancels every job, stops our daemons, reaps job processes of this cluster, removes the dir. */
async function teardown(base: string, conf: string, env: NodeJS.ProcessEnv, children: ChildProcess[]): Promise<void> {
  if (children.some((c) => c.spawnfile.endsWith('slurmctld') && c.exitCode === null)) {
    await slurmCommand(env, '/usr/bin/scancel', ['--full', '--quiet', `--user=${process.getuid?.() ?? 0}`]).catch(() => '');
  }
  // slurmd before slurmctld before munged: each needs the next to shut down cleanly.
  for (const child of [...children].reverse()) await terminate(child);
  // Job steps outlive slurmd by design; ours carry this cluster's SLURM_CONF.
  await killByEnvironment(`SLURM_CONF=${conf}`);
  await rm(base, { recursive: true, force: true });
}

/** SIGTERM, then SIGKILL after a grace period, to one child we started. */
async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

/** Kills every process whose environment holds `marker` (an exact NUL-delimited entry). */
async function killByEnvironment(marker: string): Promise<void> {
  for (const pid of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const environ = await readFile(`/proc/${pid}/environ`, 'utf8').catch(() => '');
    if (!environ.split('\0').includes(marker)) continue;
    try {
      process.kill(Number(pid), 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** A TCP port free on 127.0.0.1 right now (the kernel's pick). */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** The CPU layout line of `slurmd -C`, so slurmd does not complain about boundaries. */
async function topology(): Promise<string> {
  const out = await run('/usr/sbin/slurmd', ['-C']);
  const fields = ['CPUs', 'Boards', 'SocketsPerBoard', 'CoresPerSocket', 'ThreadsPerCore'].map((key) => out.match(new RegExp(`\\b${key}=\\d+`))?.[0]).filter(Boolean);
  return fields.join(' ');
}

/** slurm.conf: loopback only, no cgroups, no accounting, a 1 s scheduler so pending jobs start promptly. */
function slurmConf(base: string, node: string, ctldPort: number, slurmdPort: number, mungeSocket: string, cpus: string): string {
  return `ClusterName=fsevdtest
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=${ctldPort}
SlurmdPort=${slurmdPort}
CommunicationParameters=NoInAddrAny,NoCtldInAddrAny
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=${mungeSocket}
StateSaveLocation=${base}/state/ctld
SlurmdSpoolDir=${base}/state/slurmd
SlurmctldPidFile=${base}/run/slurmctld.pidfile
SlurmdPidFile=${base}/run/slurmd.pidfile
SlurmctldLogFile=${base}/log/slurmctld.log
SlurmdLogFile=${base}/log/slurmd.log
PlugStackConfig=${base}/etc/plugstack.conf
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1,bf_interval=1,batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
MinJobAge=30
MailProg=/bin/true
NodeName=${node} NodeHostname=${node} NodeAddr=127.0.0.1 ${cpus} State=UNKNOWN
PartitionName=debug Nodes=${node} Default=YES MaxTime=INFINITE State=UP
`;
}
