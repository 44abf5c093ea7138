/**
 * @module rules/actions/slurm/state
 * Pure parsing of `scontrol show node NODE` (the multi-line form: `State=` holds the base state and
 * its flags joined by `+`, and `Reason=` sits alone on its own line, so a reason with spaces, `|`
 * or brackets is read whole), and what that state means to the drain rules.
 */
import { isOwnReason } from '../../scheduler/marker.ts';
import type { DrainOwner } from '../../scheduler/drain-action.ts';

/** One node as scontrol shows it. */
export interface SlurmNode {
  /** e.g. `IDLE+DRAIN`, `MIXED+DRAIN`, `DOWN+NOT_RESPONDING`. */
  state: string;
  /** The reason without slurmctld's trailing ` [user@time]` stamp; absent when none is set. */
  reason?: string;
}

/** Base states and flags in which the node is not running (or not yet running) anything: never touched. */
const DOWN_WORDS = new Set(['DOWN', 'FUTURE', 'UNKNOWN', 'POWERED_DOWN', 'POWERING_DOWN']);

/** Parses `scontrol show node` output; undefined when it has no State= field. */
export function parseShowNode(text: string): SlurmNode | undefined {
  const state = /(?:^|\s)State=(\S+)/m.exec(text)?.[1];
  if (state === undefined) return undefined;
  const reasonLine = /^[ \t]*Reason=(.*)$/m.exec(text)?.[1];
  // slurmctld appends " [user@time]" to the stored reason when it shows it.
  const reason = reasonLine?.replace(/\s*\[[^\]\s]*@[^\]]*\]\s*$/, '').trim();
  return { state, reason: reason || undefined };
}

/** What a node's state means: down, and who drained it (FAIL is always an admin's). */
export function judge(node: SlurmNode, prefix: string): { down: boolean; drain: DrainOwner } {
  const words = node.state.split('+');
  const down = words.some((word) => DOWN_WORDS.has(word));
  if (words.includes('FAIL')) return { down, drain: 'foreign' };
  if (!words.includes('DRAIN')) return { down, drain: 'none' };
  return { down, drain: isOwnReason(prefix, node.reason) ? 'ours' : 'foreign' };
}

/** `State=… Reason="…"` for details. */
export function describeNode(node: SlurmNode): string {
  return node.reason === undefined ? `State=${node.state}` : `State=${node.state} Reason=${JSON.stringify(node.reason)}`;
}
