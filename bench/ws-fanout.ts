/**
 * WebSocket fan-out benchmark: events per second delivered to 1, 100 and 1,000 subscribers by
 * fsevd's stream (filters evaluated, bounded per-subscriber queues, one corked write per client
 * per batch) next to a bare `ws` broadcast of the same messages in the same run: the idiom
 * (ws.send per client per message) and a corked one (each client's messages of a batch in one
 * write). Server and clients are separate processes (bench/lib/ws-fanout-{server,clients}.ts),
 * so the server's CPU (utime+stime from /proc) is its own.
 *
 * Load: the server publishes rounds of PER_ROUND events (one batch, as the pipeline publishes
 * after a journal write) while at most WINDOW rounds are unacknowledged by the slowest client:
 * saturation without unbounded buffering, the same pacing for every server.
 * Also: server RSS per connected subscriber, end-to-end latency (publish → client, one shared
 * sub-ms wall clock) at 10 events/s to 1 and 1,000 subscribers, and the throughput of 99
 * subscribers with and without a 100th that stopped reading.
 * Targets: ≥ 1.0× the corked bare broadcast, ≤ 8 KiB per subscriber, a stalled subscriber
 * changes the others' throughput by < 5 %.
 *
 * Run: node --import tsx bench/ws-fanout.ts        (FSEVD_BENCH_QUICK=1: one short run)
 * Writes the `ws-fanout` section of BENCHMARKS.md.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { ClientsCommand, ClientsReply, ServerCommand, ServerReply } from './lib/ws-fanout-protocol.ts';
import { cpuSeconds, main, onCleanup, procStatus, sleep } from './lib/proc.ts';
import { fmt, medianRange, note, ROOT, RunContext, summarize, table, writeSection } from './lib/report.ts';

const QUICK = Boolean(process.env.FSEVD_BENCH_QUICK);
const RUNS = QUICK ? 1 : 3;
const SIZES = [1, 100, 1000];
const MODES = ['fsevd', 'corked', 'plain'] as const;
type Mode = (typeof MODES)[number];
const PER_ROUND = 20;
const WINDOW = 8;
/** Deliveries per measurement (events × subscribers); at ~200k/s about 10 s. */
const DELIVERIES = QUICK ? 200_000 : 2_000_000;
const LATENCY_MS = QUICK ? 2_000 : 6_000;
const LATENCY_PERIOD_MS = 100;

/** A server process and a clients process, connected. */
class Pair {
  readonly server: ChildProcess;
  readonly clients: ChildProcess;
  readonly #serverReplies: ServerReply[] = [];
  rssPerClientKiB = NaN;
  #onDone: ((round: number) => void) | undefined;
  #reports: Array<(r: { lost: number; samples: number[] }) => void> = [];
  #acks: Array<() => void> = [];

  private constructor(mode: Mode) {
    const execArgv = ['--import', 'tsx', '--expose-gc'];
    this.server = fork(join(ROOT, 'bench/lib/ws-fanout-server.ts'), [mode], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.clients = fork(join(ROOT, 'bench/lib/ws-fanout-clients.ts'), [], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    for (const child of [this.server, this.clients]) onCleanup(`stop ${child.pid}`, () => void child.kill('SIGKILL'));
    this.server.on('message', (reply: ServerReply) => this.#serverReplies.push(reply));
    this.clients.on('message', (reply: ClientsReply) => {
      if ('done' in reply) this.#onDone?.(reply.done);
      if ('report' in reply) this.#reports.shift()?.(reply.report);
      if ('ack' in reply) this.#acks.shift()?.();
    });
  }

  /** Starts both processes and connects `n` subscribers; measures the server's RSS per subscriber. */
  static async start(mode: Mode, n: number): Promise<Pair> {
    const pair = new Pair(mode);
    note(`${mode}: starting a server and ${n} clients`);
    const [ready] = (await deadline(once(pair.server, 'message'), `the ${mode} server to start`)) as [{ ready: string }];
    const before = await pair.#rssKiB();
    pair.#tell({ cmd: 'connect', url: ready.ready, n, fsevd: mode === 'fsevd' });
    await deadline(once(pair.clients, 'message'), `${n} clients to connect`);
    // Connected and subscribed (fsevd has answered hello and subscribed), before any event.
    pair.rssPerClientKiB = ((await pair.#rssKiB()) - before) / n;
    return pair;
  }

  /** Publishes `rounds` rounds paced by the slowest of the first `active` clients; deliveries/s and server CPU µs per delivery. */
  async throughput(rounds: number, active: number): Promise<{ perSecond: number; cpuMicros: number }> {
    // Acknowledged before the first publish: the events reach the clients by another path than this command.
    await this.#ask({ cmd: 'track', perRound: PER_ROUND, active });
    const cpu0 = cpuSeconds(this.server.pid!);
    const t0 = performance.now();
    let published = 0;
    const publish = () => {
      this.server.send({ cmd: 'publish', count: PER_ROUND } satisfies ServerCommand);
      published++;
    };
    await deadline(new Promise<void>((resolve) => {
      this.#onDone = (round) => {
        if (round === rounds - 1) return resolve();
        while (published < rounds && published - round - 1 < WINDOW) publish();
      };
      while (published < Math.min(rounds, WINDOW)) publish();
    }), `${rounds} rounds to ${active} clients`);
    const seconds = (performance.now() - t0) / 1000;
    const deliveries = rounds * PER_ROUND * active;
    return { perSecond: deliveries / seconds, cpuMicros: ((cpuSeconds(this.server.pid!) - cpu0) * 1e6) / deliveries };
  }

  /** Publishes one event every LATENCY_PERIOD_MS for LATENCY_MS; the clients' publish → receive times in ms. */
  async latency(): Promise<number[]> {
    await this.#ask({ cmd: 'track', perRound: 1, active: 0 });
    await this.#ask({ cmd: 'latency', on: true });
    for (let elapsed = 0; elapsed < LATENCY_MS; elapsed += LATENCY_PERIOD_MS) {
      this.server.send({ cmd: 'publish', count: 1 } satisfies ServerCommand);
      await sleep(LATENCY_PERIOD_MS);
    }
    await sleep(500);
    await this.#ask({ cmd: 'latency', on: false });
    return (await this.report()).samples;
  }

  /** Lost notices seen and latency samples so far. */
  report(): Promise<{ lost: number; samples: number[] }> {
    return new Promise((resolve) => {
      this.#reports.push(resolve);
      this.#tell({ cmd: 'report' });
    });
  }

  /** Stops (or restarts) reading on one client. */
  setReading(index: number, reading: boolean): Promise<void> {
    return this.#ask({ cmd: reading ? 'resume' : 'pause', index });
  }

  stop(): void {
    this.server.kill('SIGKILL');
    this.clients.kill('SIGKILL');
  }

  #tell(command: ClientsCommand): void {
    this.clients.send(command);
  }

  #ask(command: ClientsCommand): Promise<void> {
    return deadline(new Promise<void>((resolve) => {
      this.#acks.push(resolve);
      this.#tell(command);
    }), `the clients to apply ${command.cmd}`);
  }

  async #rssKiB(): Promise<number> {
    const from = this.#serverReplies.length;
    this.server.send({ cmd: 'gc' } satisfies ServerCommand);
    while (!this.#serverReplies.slice(from).some((r) => 'gcDone' in r)) await sleep(10);
    return procStatus(this.server.pid!).VmRSS!;
  }
}

/** Rejects when `promise` takes longer than any step of this benchmark should (a stuck peer must fail the run, not hang it). */
function deadline<T>(promise: Promise<T>, what: string, ms = 300_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${ms / 1000} s waiting for ${what}`)), ms);
  });
  return Promise.race([promise, expiry]).finally(() => clearTimeout(timer));
}

const roundsFor = (n: number) => Math.max(10, Math.round(DELIVERIES / (n * PER_ROUND)));

async function measureThroughput(): Promise<{ rows: string[][]; rssRows: string[][]; lostTotal: number }> {
  const results = new Map<string, { perSecond: number[]; cpu: number[]; rss: number[] }>();
  let lostTotal = 0;
  for (let run = 0; run < RUNS; run++) {
    for (const n of SIZES) {
      for (const mode of MODES) {
        const pair = await Pair.start(mode, n);
        await pair.throughput(Math.ceil(roundsFor(n) / 5), n); // warm-up
        const { perSecond, cpuMicros } = await pair.throughput(roundsFor(n), n);
        lostTotal += (await pair.report()).lost;
        pair.stop();
        const key = `${mode}/${n}`;
        const entry = results.get(key) ?? { perSecond: [], cpu: [], rss: [] };
        entry.perSecond.push(perSecond);
        entry.cpu.push(cpuMicros);
        entry.rss.push(pair.rssPerClientKiB);
        results.set(key, entry);
        note(`run ${run + 1}/${RUNS} ${key}: ${fmt(perSecond / 1000)}k deliveries/s, ${fmt(cpuMicros, 2)} µs server CPU each, ${fmt(pair.rssPerClientKiB, 2)} KiB RSS per client`);
      }
    }
  }
  const median = (key: string, field: 'perSecond' | 'cpu' | 'rss') => summarize(results.get(key)![field]).median;
  const rows = SIZES.map((n) => {
    const cell = (mode: Mode) => `${medianRange(summarize(results.get(`${mode}/${n}`)!.perSecond.map((v) => v / 1000)), 'k/s')}; ${fmt(median(`${mode}/${n}`, 'cpu'), 2)} µs`;
    const vsCorked = median(`fsevd/${n}`, 'perSecond') / median(`corked/${n}`, 'perSecond');
    const vsPlain = median(`fsevd/${n}`, 'perSecond') / median(`plain/${n}`, 'perSecond');
    return [String(n), cell('fsevd'), cell('corked'), cell('plain'), `${fmt(vsCorked, 2)}× (target ≥ 1.0×: ${vsCorked >= 1 ? '**met**' : '**not met**'})`, `${fmt(vsPlain, 2)}×`];
  });
  const rssRows = MODES.map((mode) => {
    const perClient = summarize(results.get(`${mode}/1000`)!.rss);
    return [mode, medianRange(perClient, 'KiB', 2), mode === 'fsevd' ? `${perClient.median <= 8 ? '**met**' : '**not met**'} (target ≤ 8 KiB)` : 'baseline'];
  });
  return { rows, rssRows, lostTotal };
}

async function measureLatency(): Promise<string[][]> {
  const rows: string[][] = [];
  for (const n of [1, 1000]) {
    for (const mode of ['fsevd', 'corked'] as const) {
      const pair = await Pair.start(mode, n);
      const s = summarize(await pair.latency());
      pair.stop();
      rows.push([String(n), mode, fmt(s.p50, 2), fmt(s.p99, 2), fmt(s.max, 2), String(s.n)]);
      note(`latency ${mode}/${n}: p50 ${fmt(s.p50, 2)} ms, p99 ${fmt(s.p99, 2)} ms`);
    }
  }
  return rows;
}

/**
 * Throughput to 99 subscribers while a 100th reads (A) and while it has stopped reading (B), in
 * one server, in the order A B B A A B B A… so that warm-up and machine noise fall on both sides.
 */
async function measureStall(): Promise<{ rows: string[][]; ratio: number }> {
  const pair = await Pair.start('fsevd', 100);
  const rounds = roundsFor(99);
  await pair.throughput(rounds, 99); // warm-up, full length
  const reading = { perSecond: [] as number[], cpu: [] as number[] };
  const stalled = { perSecond: [] as number[], cpu: [] as number[] };
  const measure = async (stall: boolean) => {
    await pair.setReading(99, !stall);
    if (!stall) await sleep(500); // it catches up with what its socket still held
    const { perSecond, cpuMicros } = await pair.throughput(rounds, 99);
    (stall ? stalled : reading).perSecond.push(perSecond / 1000);
    (stall ? stalled : reading).cpu.push(cpuMicros);
  };
  // A B B A A B …: neither case always comes first.
  for (let i = 0; i < 2 * Math.max(2, RUNS); i++) await measure(i % 4 === 1 || i % 4 === 2);
  pair.stop();
  const a = summarize(reading.perSecond);
  const b = summarize(stalled.perSecond);
  const row = (label: string, figures: typeof reading) => [label, medianRange(summarize(figures.perSecond), 'k/s'), medianRange(summarize(figures.cpu), 'µs', 3)];
  return { rows: [row('100 reading', reading), row('99 reading + 1 stalled', stalled)], ratio: b.median / a.median };
}

await main(async () => {
  const context = new RunContext();
  const throughput = await measureThroughput();
  const latency = await measureLatency();
  const stall = await measureStall();
  const change = Math.abs(1 - stall.ratio) * 100;
  writeSection(
    'ws-fanout',
    [
      context.preamble('WebSocket fan-out (bench/ws-fanout.ts)', 'bench/ws-fanout.ts'),
      '',
      `Events of ~330 B JSON published in batches of ${PER_ROUND}, at most ${WINDOW} batches ahead of the slowest client; server and clients in separate processes; ${RUNS} run(s), median [range]. fsevd: the real API stack (access checks, hub, filter evaluated per subscriber — not the match-all fast path —, bounded queues, one corked write per client per batch, one frame per batch). Bare: the same event JSON, one frame per event.`,
      '',
      '### Deliveries per second (and server CPU per delivery)',
      '',
      table(['subscribers', 'fsevd', 'bare ws, corked', 'bare ws, plain send', 'fsevd / corked', 'fsevd / plain'], throughput.rows),
      '',
      `Lost notices during the throughput runs: ${throughput.lostTotal} (none expected: nothing was slow).`,
      '',
      '### Server RSS per connected subscriber (1,000 subscribers, after GC)',
      '',
      table(['server', 'RSS per subscriber', 'verdict'], throughput.rssRows),
      '',
      `### End-to-end latency at ${1000 / LATENCY_PERIOD_MS} events/s (publish → client, ms)`,
      '',
      table(['subscribers', 'server', 'p50', 'p99', 'max', 'samples'], latency),
      '',
      '### One stalled subscriber among 100 (fsevd)',
      '',
      table(['case', 'deliveries/s to the 99 others', 'server CPU per delivery'], stall.rows),
      '',
      `Change: ${fmt(change, 1)} % (target < 5 %: ${change < 5 ? '**met**' : '**not met**'}). The stalled subscriber's queue overflows (it gets a lost notice when it reads again); the others are paced by their own sockets only.`,
    ].join('\n'),
  );
});
