/**
 * @module util/netlink/loss
 * Pure accounting of what a netlink listener lost. The kernel counts every message it drops for a
 * full socket in sk_drops (netlink_overrun(); read with SO_MEMINFO), so the count is exact; the
 * listener reads it now and then and after a sequence gap. The fs_event and quota families number
 * their messages with one global counter (nlmsg_seq), so a gap also reveals messages that never
 * reached the socket at all (sent while it was being reopened): what a gap shows beyond the drops
 * already counted is reported as a sequence gap. uevent SEQNUMs also count events of other network
 * namespaces, so there gaps mean nothing and only the drop counter counts.
 */

/** How far a listener's sequence numbers can be trusted. */
export type GapTrust = 'exact' | 'none';

/** One loss to report. */
export interface LossReport {
  lost: number;
  /** overrun: the socket's buffer was full (sk_drops); sequence-gap: numbers missing beyond that. */
  reason: 'overrun' | 'sequence-gap';
  firstMissingSeq?: number;
  lastMissingSeq?: number;
}

/** Sequence and drop-counter tracking of one listener. */
export class LossTracker {
  readonly #trust: GapTrust;
  /** Sequence numbers wrap at this value (2^32 for nlmsg_seq). */
  readonly #modulus: number;
  #expected: number | undefined;
  #drops = 0;
  /** Drops already reported that no sequence gap has shown yet. */
  #unexplained = 0;
  #gap: { size: number; first: number; last: number } | undefined;

  constructor(trust: GapTrust, modulus = 2 ** 32) {
    this.#trust = trust;
    this.#modulus = modulus;
  }

  /** A message with this number arrived; true when it reveals a gap (worth a drop check now). */
  observe(seq: number): boolean {
    if (this.#trust === 'none') return false;
    const expected = this.#expected;
    this.#expected = (seq + 1) % this.#modulus;
    if (expected === undefined) return false;
    const gap = (((seq - expected) % this.#modulus) + this.#modulus) % this.#modulus;
    // A step backwards (a counter restarted, a module reloaded) shows as a huge gap: not a loss.
    if (gap === 0 || gap >= this.#modulus / 2) return false;
    const last = (seq + this.#modulus - 1) % this.#modulus;
    this.#gap = this.#gap ? { size: this.#gap.size + gap, first: this.#gap.first, last } : { size: gap, first: expected, last };
    return true;
  }

  /** The socket was replaced: its drop counter starts again at 0. */
  newSocket(): void {
    this.#drops = 0;
  }

  /** The socket's drop counter now; returns what was lost since the last call, if anything. */
  settle(dropsTotal: number): LossReport[] {
    const reports: LossReport[] = [];
    const dropped = Math.max(0, dropsTotal - this.#drops);
    this.#drops = dropsTotal;
    const gap = this.#gap;
    this.#gap = undefined;
    if (dropped > 0) reports.push({ lost: dropped, reason: 'overrun', ...(gap ? { firstMissingSeq: gap.first, lastMissingSeq: gap.last } : {}) });
    this.#unexplained += dropped;
    if (gap) {
      const beyond = gap.size - this.#unexplained;
      this.#unexplained = Math.max(0, this.#unexplained - gap.size);
      if (beyond > 0) reports.push({ lost: beyond, reason: 'sequence-gap', firstMissingSeq: gap.first, lastMissingSeq: gap.last });
    }
    return reports;
  }
}

/** The EVENTS_LOST observation of a loss (node-wide: no mount), with what the listener knows. */
export function lossObservation(report: LossReport, time: number): { type: 'EVENTS_LOST'; time: number; data: Record<string, unknown> } {
  const reason = report.reason === 'overrun' ? 'netlink socket overrun (receive buffer full)' : 'netlink sequence gap';
  const data: Record<string, unknown> = { lost: report.lost, reason };
  if (report.firstMissingSeq !== undefined) data.firstMissingSeq = report.firstMissingSeq;
  if (report.lastMissingSeq !== undefined) data.lastMissingSeq = report.lastMissingSeq;
  return { type: 'EVENTS_LOST', time, data };
}
