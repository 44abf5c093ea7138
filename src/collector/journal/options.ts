/**
 * @module collector/journal/options
 * Options of the journal, their defaults and their validation (pure).
 */
import type { Logger } from 'pino';
import { FsevdError } from '../../errors.ts';
import type { RecordAppender } from './record.ts';

/** When the journal fsyncs; collector/journal/index.ts says what each policy survives. */
export type FsyncPolicy = 'always' | 'interval' | 'never';

/** Options of Journal.open(); all but `dir` default to journalDefaults. */
export interface JournalOptions {
  /** Journal directory (the daemon passes `<stateDir>/journal`); created with mode 0o750 if missing. */
  dir: string;
  /** Rotate to a new segment when the current one would exceed this many bytes. */
  segmentBytes?: number;
  /** Delete the oldest whole segments while the total exceeds this many bytes (never the current one). */
  maxBytes?: number;
  /** 'always': fsync each batch before append() returns; 'interval': every fsyncIntervalMs at most; 'never': leave it to the kernel. */
  fsync?: FsyncPolicy;
  /** Period of the background fsync under 'interval', in ms. */
  fsyncIntervalMs?: number;
  /** Logger (a child bound to the component); silent when absent. */
  log?: Logger;
  /**
   * How a single-event append is encoded and written: by default the native addon's appendRecord
   * when the addon is loaded (the first event of a fault is journaled before anyone sees it, and
   * there the addon is several times cheaper than the same steps in JS); null: always in JS.
   */
  appendRecord?: RecordAppender | null;
}

/** Defaults of JournalOptions. */
export const journalDefaults: Readonly<Required<Omit<JournalOptions, 'dir' | 'log' | 'appendRecord'>>> = {
  segmentBytes: 4 * 1024 * 1024,
  maxBytes: 64 * 1024 * 1024,
  fsync: 'interval',
  fsyncIntervalMs: 1000,
};

/** Resolved, validated options. */
export type Settings = Required<Omit<JournalOptions, 'log' | 'appendRecord'>>;

/** Fills in defaults and checks the options; throws FsevdError FSEVD_E_JOURNAL naming every problem. */
export function resolveSettings(options: JournalOptions): Settings {
  const settings: Settings = {
    dir: options.dir,
    segmentBytes: options.segmentBytes ?? journalDefaults.segmentBytes,
    maxBytes: options.maxBytes ?? journalDefaults.maxBytes,
    fsync: options.fsync ?? journalDefaults.fsync,
    fsyncIntervalMs: options.fsyncIntervalMs ?? journalDefaults.fsyncIntervalMs,
  };
  const positive = (n: number) => Number.isSafeInteger(n) && n > 0;
  const problems = [
    !settings.dir && 'dir is empty',
    !positive(settings.segmentBytes) && 'segmentBytes must be a positive integer',
    !positive(settings.maxBytes) && 'maxBytes must be a positive integer',
    !['always', 'interval', 'never'].includes(settings.fsync) && 'fsync must be always, interval or never',
    !positive(settings.fsyncIntervalMs) && 'fsyncIntervalMs must be a positive integer',
  ].filter((p): p is string => typeof p === 'string');
  if (problems.length > 0) throw new FsevdError('FSEVD_E_JOURNAL', `Invalid journal options: ${problems.join('; ')}`);
  return settings;
}
