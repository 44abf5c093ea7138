/**
 * @module commands/log-replay
 * What fsevd would have published for a saved kernel log: each line goes through the same
 * record parser, catalog, outcome rules (kmsg/processor.ts) and correlation
 * (pipeline/correlate.ts) as in the daemon, driven by the log's own clock instead of a timer.
 * There is no mount table, so events name the device or server the line names
 * (data.unresolvedMount) instead of a mount point.
 */
import { Gatherer } from '../collector/gatherer.ts';
import { MountTable } from '../collector/mounts/table.ts';
import { Correlator, type CorrelationConfig } from '../collector/pipeline/correlate.ts';
import { parseLogLine } from '../collector/sources/kmsg/formats.ts';
import { KmsgProcessor, lossObservation, type KmsgObservation } from '../collector/sources/kmsg/processor.ts';
import type { FsEvent } from '../collector/types.ts';

/** How to replay. */
export interface ReplayOptions {
  /** Correlation windows; undefined prints one event per recognised line. */
  correlation: CorrelationConfig | undefined;
  correctionWaitMs: number;
  /** Node name put in the events (a journal's host name wins when the log has one). */
  node: string;
  /** Wall-clock time of boot (ms), for logs that only give seconds since boot. */
  bootTime: number;
  /** Year of journalctl's short timestamps, which have none. */
  year: number;
  emit: (event: FsEvent) => void;
}

/** Line counts of a replay. */
export interface ReplayStats {
  lines: number;
  /** Lines in a known log format. */
  recognised: number;
  events: number;
}

/** Replays lines one by one; call end() after the last. */
export class LogReplay {
  readonly stats: ReplayStats = { lines: 0, recognised: 0, events: 0 };
  readonly #options: ReplayOptions;
  readonly #processor: KmsgProcessor;
  readonly #gatherer = new Gatherer(new MountTable());
  readonly #correlator: Correlator | undefined;
  #node: string;
  #now = 0;
  #lastFormat: string | undefined;

  constructor(options: ReplayOptions) {
    this.#options = options;
    this.#node = options.node;
    this.#processor = new KmsgProcessor({ expectedSeq: -1, correctionWaitMs: options.correctionWaitMs });
    if (options.correlation) this.#correlator = new Correlator(options.correlation, ({ event }) => this.#publish(event));
  }

  /** One line of the log. */
  line(text: string): void {
    this.stats.lines += 1;
    // Dict lines (" SUBSYSTEM=acpi") belong to the /dev/kmsg record before them.
    if (text.startsWith(' ') && this.#lastFormat === 'kmsg') return void (this.stats.recognised += 1);
    const parsed = parseLogLine(text, this.#options.year);
    this.#lastFormat = parsed?.format;
    if (!parsed) return;
    this.stats.recognised += 1;
    if (parsed.host) this.#node = parsed.host;
    const { record } = parsed;
    // Lines without a time of their own keep the time of the line before.
    if (parsed.wallTime !== undefined) this.#now = parsed.wallTime;
    else if (record.timeUs >= 0) this.#now = this.#options.bootTime + record.timeUs / 1000;
    this.#correlator?.due(this.#now);
    if (parsed.format !== 'kmsg') return this.#offer(this.#processor.record(record, this.#now));
    const { observations, lost } = this.#processor.chunk(`${text}\n`, this.#now);
    if (lost) this.#offer([lossObservation(lost, 'sequence gap in the saved log', this.#now)]);
    this.#offer(observations);
  }

  /** Releases what is still held (checksum failures, folded reports). */
  end(): void {
    this.#offer(this.#processor.drain());
    this.#correlator?.drain();
  }

  #offer(observations: KmsgObservation[]): void {
    for (const obs of observations) {
      const gathered = this.#gatherer.gather({ ...obs, source: 'kmsg' });
      if (this.#correlator) this.#correlator.offer(gathered, obs.time);
      else this.#publish(gathered.event);
    }
  }

  #publish(event: Omit<FsEvent, 'seq' | 'node'>): number {
    this.stats.events += 1;
    this.#options.emit({ seq: this.stats.events, node: this.#node, ...event });
    return this.stats.events;
  }
}
