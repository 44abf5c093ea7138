/**
 * @module collector/sources/kmsg/outcome
 * Pure, with a caller-supplied clock: lines whose meaning depends on other lines.
 *
 * - btrfs prints "csum failed … mirror N" before it knows whether another copy can repair the
 *   block. On raid1/dup a "read error corrected: ino I off O" for the same block follows within
 *   milliseconds (observed-on-this-kernel.md §3); with a single copy nothing follows and the
 *   reader gets EIO. So such a failure is held for `waitMs`: a matching repair turns it into
 *   CORRECTED_CHECKSUM_ERROR at once; otherwise it is released as UNCORRECTED when the wait ends.
 * - "bdev … errs: wr W, rd R, flush F, corrupt C, gen G" restates cumulative counters on every
 *   increase; only the increase is news, so the last values per device are remembered.
 */
import type { Classified } from './classify.ts';

/** Bounds memory when a filesystem floods failures nobody repairs: the oldest is released early. */
const MAX_HELD = 1024;
/** Bounds the per-device counter memory (one entry per btrfs device seen erroring). */
const MAX_DEVICES = 1024;

const COUNTERS = ['writeErrs', 'readErrs', 'flushErrs', 'corruptionErrs', 'generationErrs'] as const;
type Counters = Record<(typeof COUNTERS)[number], number>;

/** A line and when it was seen (ms, the caller's clock); held lines keep their own time. */
export interface Timed {
  line: Classified;
  at: number;
}

interface Held extends Timed {
  key: string;
}

/** Resolves held checksum failures and device counter lines; one instance per reader. */
export class Outcomes {
  readonly #waitMs: number;
  #held: Held[] = [];
  readonly #devices = new Map<string, Counters>();

  constructor(waitMs: number) {
    this.#waitMs = waitMs;
  }

  /** Takes a classified line seen at `now` (ms); returns the lines that can be emitted now, in order. */
  push(line: Classified, now: number): Timed[] {
    const out = this.expire(now);
    switch (line.entry.role) {
      case 'awaits-correction':
        if (this.#held.length >= MAX_HELD) out.push(this.#held.shift()!);
        this.#held.push({ line, key: blockKey(line), at: now });
        return out;
      case 'corrects': {
        const key = blockKey(line);
        const repaired = this.#held.filter((h) => h.key === key);
        this.#held = this.#held.filter((h) => h.key !== key);
        for (const failure of repaired) out.push({ line: corrected(failure.line), at: failure.at });
        out.push({ line, at: now });
        return out;
      }
      case 'device-stats': {
        const increase = this.#deviceIncrease(line);
        if (increase) out.push({ line: increase, at: now });
        return out;
      }
      default:
        out.push({ line, at: now });
        return out;
    }
  }

  /** Releases, as uncorrected, the failures held `waitMs` or longer at `now`. */
  expire(now: number): Timed[] {
    if (this.#held.length === 0 || now - this.#held[0]!.at < this.#waitMs) return [];
    const due = this.#held.filter((h) => now - h.at >= this.#waitMs);
    this.#held = this.#held.filter((h) => now - h.at < this.#waitMs);
    return due;
  }

  /** Releases everything still held (end of input, stop). */
  drain(): Timed[] {
    const all = this.#held;
    this.#held = [];
    return all;
  }

  /** When the oldest held failure is due (ms, same clock as push), or undefined. */
  get nextDue(): number | undefined {
    return this.#held[0] === undefined ? undefined : this.#held[0].at + this.#waitMs;
  }

  #deviceIncrease(line: Classified): Classified | undefined {
    const bdev = String(line.data.bdev);
    const now = Object.fromEntries(COUNTERS.map((name) => [name, Number(line.data[name]) || 0])) as Counters;
    const before = this.#devices.get(bdev);
    if (!before && this.#devices.size >= MAX_DEVICES) this.#devices.delete(this.#devices.keys().next().value!);
    this.#devices.set(bdev, now);
    // Without an earlier line the counters may include old errors; they are reported as they are.
    const delta = Object.fromEntries(COUNTERS.map((name) => [name, Math.max(0, now[name] - (before?.[name] ?? 0))])) as Counters;
    const data = { ...line.data, delta, ...(before ? {} : { firstSighting: true }) };
    if (delta.writeErrs + delta.readErrs + delta.flushErrs > 0) return { ...line, type: 'IO_ERROR', data };
    if (delta.generationErrs > 0) return { ...line, type: 'ERR_CORRUPTED', data };
    // Corruption increases are the checksum lines' news (held above); repeats are not news.
    return undefined;
  }
}

/** Identity of the block a failure or repair line is about: fs device, inode (0 for metadata), offset. */
function blockKey(line: Classified): string {
  const { inode, offset, logical } = line.data;
  return `${line.mount?.deviceName ?? ''}|${inode ?? 0}|${offset ?? logical ?? ''}`;
}

function corrected(failure: Classified): Classified {
  return { ...failure, type: 'CORRECTED_CHECKSUM_ERROR', data: { ...failure.data, corrected: true } };
}
