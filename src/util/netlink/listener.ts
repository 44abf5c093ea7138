/**
 * @module util/netlink/listener
 * What the three netlink sources (fsevent, quota, uevent) share around their decoders: the
 * self-reopening socket (channel.ts), the sender check (only the kernel, port 0, unless told
 * otherwise: root may forge multicasts), loss accounting (loss.ts: the socket's drop counter,
 * read every second and at once after a sequence gap) reported as ctx.addLost plus one
 * EVENTS_LOST per check that found losses (a storm gives one report a second, not one per
 * message), a resynchronisation after each loss (coalesced: one at a time, one more if losses came
 * meanwhile), and counters published live in health().detail.
 * Decoding stays in each source's pure decoder; this file only routes its outcomes.
 */
import type { Logger } from 'pino';
import { StartupError } from '../../errors.ts';
import { NetlinkChannel, type ChannelPlan } from './channel.ts';
import { LossTracker, lossObservation, type GapTrust } from './loss.ts';

/** What one message of a datagram gave: a result for the sink, a counted drop or a counted skip. */
export type Outcome<O> = { observation: O } | { dropped: string } | { skipped: string };

/** One decoded message: its outcome and, when the sender numbers its messages, the number. */
export interface DecodedMessage<O> {
  seq?: number;
  outcome: Outcome<O>;
}

/** The part of a source context the listener uses (structurally a SourceContext). */
export interface ListenerSink<O> {
  emit(obs: O | ReturnType<typeof lossObservation>): void;
  addLost(n: number): void;
  setHealth(update: { state?: 'up' | 'down'; reason?: string; detail?: Record<string, unknown> }): void;
  log: Logger;
  now(): number;
}

/** How a listener opens, decodes and recovers. */
export interface ListenerOptions<O> {
  protocol: number;
  receiveBufferBytes: number;
  /** Accept datagrams whose sender is not the kernel (tests and benchmarks; root only can send). */
  acceptUserSpace: boolean;
  /** How far the senders' sequence numbers can be trusted (loss.ts), and where they wrap. */
  trust: GapTrust;
  modulus?: number;
  /** Runs before every (re)open: resolve the family, say which groups to join. */
  setup: () => Promise<ChannelPlan>;
  /** Pure decoding of one datagram. */
  decode: (datagram: Buffer, now: number) => Iterable<DecodedMessage<O>>;
  /** Re-reads what a loss may have left stale; failures are logged, not thrown. */
  resync?: () => Promise<void>;
  /** How often the drop counter is read (a gap reads it at once unless it was read this recently). */
  checkIntervalMs?: number;
}

/** Counters shown in health().detail (mutated in place, so health reads are always current). */
export interface ListenerDetail {
  [key: string]: unknown;
  datagrams: number;
  emitted: number;
  dropped: Record<string, number>;
  skipped: Record<string, number>;
  /** Datagrams not sent by the kernel, ignored. */
  foreign: number;
  /** Messages the kernel dropped for the current socket because its buffer was full. */
  kernelDrops: number;
  resyncs: number;
}

/** A decoding netlink listener feeding a source's context. */
export class NetlinkListener<O> {
  readonly detail: ListenerDetail = { datagrams: 0, emitted: 0, dropped: {}, skipped: {}, foreign: 0, kernelDrops: 0, resyncs: 0 };
  readonly #options: ListenerOptions<O>;
  readonly #sink: ListenerSink<O>;
  readonly #tracker: LossTracker;
  readonly #channel: NetlinkChannel;
  #checkTimer: NodeJS.Timeout | undefined;
  /** performance.now() of the last drop-counter read. */
  #lastCheck = 0;
  #resyncing: Promise<void> | undefined;
  #resyncAgain = false;

  constructor(options: ListenerOptions<O>, sink: ListenerSink<O>) {
    this.#options = options;
    this.#sink = sink;
    this.#tracker = new LossTracker(options.trust, options.modulus);
    this.#channel = new NetlinkChannel({
      protocol: options.protocol,
      receiveBufferBytes: options.receiveBufferBytes,
      setup: options.setup,
      onDatagram: (data, sender, truncated) => this.#onDatagram(data, sender, truncated),
      onState: (state, reason) => {
        Object.assign(this.detail, this.#channel.stats);
        if (state === 'up') this.#tracker.newSocket();
        sink.setHealth(state === 'up' ? { state } : { state, reason: reason ?? 'netlink socket down' });
        if (state === 'down') sink.log.warn({ reason }, 'Netlink socket down');
      },
    });
  }

  /**
   * Opens the socket and publishes the counters. A StartupError from setup passes through (a
   * missing family); any other failure becomes a StartupError with retry, naming `what`.
   */
  async open(what: string): Promise<void> {
    try {
      await this.#channel.open();
    } catch (err) {
      if (err instanceof StartupError) throw err;
      throw new StartupError(`Cannot listen to ${what}: ${(err as Error).message}`, { cause: err, retry: true });
    }
    Object.assign(this.detail, this.#channel.stats);
    this.#sink.setHealth({ detail: this.detail });
    this.#checkTimer = setInterval(() => this.#check(), this.#options.checkIntervalMs ?? 1_000);
    this.#checkTimer.unref();
  }

  /** Closes the socket, drops timers and waits for a running resync; idempotent. */
  async close(): Promise<void> {
    this.#check(); // what was lost before the end is still reported
    this.#channel.close();
    clearInterval(this.#checkTimer);
    this.#checkTimer = undefined;
    this.#resyncAgain = false;
    await this.#resyncing;
  }

  #onDatagram(data: Buffer, sender: number, truncated: boolean): void {
    const detail = this.detail;
    detail.datagrams += 1;
    if (sender !== 0 && !this.#options.acceptUserSpace) {
      detail.foreign += 1;
      return;
    }
    if (truncated) {
      count(detail.dropped, 'truncated-datagram');
      return;
    }
    const now = this.#sink.now();
    for (const { seq, outcome } of this.#options.decode(data, now)) {
      if (seq !== undefined && this.#tracker.observe(seq) && performance.now() - this.#lastCheck >= (this.#options.checkIntervalMs ?? 1_000)) this.#check();
      if ('observation' in outcome) {
        detail.emitted += 1;
        this.#sink.emit(outcome.observation);
      } else if ('dropped' in outcome) {
        count(detail.dropped, outcome.dropped);
      } else {
        count(detail.skipped, outcome.skipped);
      }
    }
  }

  /** Reads the drop counter and reports what was lost since the last check. */
  #check(): void {
    const drops = this.#channel.drops();
    if (drops === undefined) return;
    const sink = this.#sink;
    this.#lastCheck = performance.now();
    this.detail.kernelDrops = drops;
    const reports = this.#tracker.settle(drops);
    for (const loss of reports) {
      sink.addLost(loss.lost);
      sink.log.warn({ lost: loss.lost, reason: loss.reason }, 'Netlink messages lost');
      sink.emit(lossObservation(loss, sink.now()));
    }
    if (reports.length > 0) this.#resync();
  }

  #resync(): void {
    const resync = this.#options.resync;
    if (!resync) return;
    if (this.#resyncing) {
      this.#resyncAgain = true;
      return;
    }
    this.detail.resyncs += 1;
    this.#resyncing = resync()
      .catch((err: unknown) => this.#sink.log.warn({ err }, 'Resynchronisation after a netlink loss failed'))
      .finally(() => {
        this.#resyncing = undefined;
        const again = this.#resyncAgain;
        this.#resyncAgain = false;
        if (again) this.#resync();
      });
  }
}

function count(counters: Record<string, number>, key: string): void {
  counters[key] = (counters[key] ?? 0) + 1;
}
