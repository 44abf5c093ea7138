/**
 * @module rules/actions/htcondor
 * The `htcondor` action: drains a machine with `condor_drain -graceful -start False -reason
 * "fsevd: <reason>" MACHINE` and cancels exactly that drain with `condor_drain -cancel
 * -request-id ID MACHINE` (the ID read back from the slot ads; a cancel without an ID would end
 * anyone's drain). It reads `condor_status -const 'Machine == "MACHINE"' -af:t Name State
 * Activity Draining DrainingRequestId DrainReason` first: a machine absent from the collector is
 * treated as down and not touched; a drain whose DrainReason does not start with our prefix is
 * someone else's (HTCondor refuses a second drain anyway).
 *
 * Jobs keep running only as long as the slots' MaxJobRetirementTime allows: `-graceful` honours
 * it, and its default is 0, which evicts at once. Configure it on the execute nodes (e.g.
 * `MAXJOBRETIREMENTTIME = 7 * 24 * 3600`) before using this action. `-start False` stops retired
 * slots from taking new work. Needs ADMINISTRATOR authorization at the startd. The drain lives
 * in the startd's memory: a startd restart ends it.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { ActionModule } from '../types.ts';
import { createCliAction, type CliSpec } from '../scheduler/cli-driver.ts';
import type { DrainOwner } from '../scheduler/drain-action.ts';
import { isOwnReason, markReason } from '../scheduler/marker.ts';
import { commonSettings, envSetting, programSetting } from '../scheduler/settings.ts';

/** Settings of an `htcondor` action in a rule. */
export const configSchema = Type.Object(
  { ...commonSettings, condorStatus: programSetting('condor_status'), condorDrain: programSetting('condor_drain'), env: envSetting },
  { additionalProperties: false },
);

/** Validated settings. */
export type HtcondorConfig = Static<typeof configSchema>;

/** One slot ad's fields, as `condor_status -af:t` prints them (`undefined` when unset). */
export interface CondorSlot {
  name: string;
  state: string;
  activity: string;
  draining: boolean;
  requestId?: string;
  reason?: string;
}

const AF_FIELDS = ['Name', 'State', 'Activity', 'Draining', 'DrainingRequestId', 'DrainReason'];

/** Parses the tab-separated lines, one per slot (DrainReason last: it may hold spaces). */
export function parseCondorStatus(text: string): CondorSlot[] {
  const defined = (value: string | undefined) => (value === undefined || value === 'undefined' || value === '' ? undefined : value);
  return text.split('\n').filter((line) => line.trim()).map((line) => {
    const [name = '', state = '', activity = '', draining, requestId, ...reason] = line.split('\t');
    return { name, state, activity, draining: draining?.toLowerCase() === 'true', requestId: defined(requestId), reason: defined(reason.join('\t').trim()) };
  });
}

/** Down (not in the collector), and who drains the machine. */
export function judgeCondor(slots: CondorSlot[], prefix: string): { down: boolean; drain: DrainOwner } {
  const draining = slots.find((slot) => slot.draining);
  if (slots.length === 0) return { down: true, drain: 'none' };
  if (!draining) return { down: false, drain: 'none' };
  return { down: false, drain: isOwnReason(prefix, draining.reason) ? 'ours' : 'foreign' };
}

/** How the htcondor action reads with condor_status and drains with condor_drain. */
export function htcondorSpec(config: HtcondorConfig): CliSpec<CondorSlot[]> {
  return {
    // The node name passed the plain-host-name check, so it cannot break out of the string literal.
    read: (node) => [[config.condorStatus, '-const', `Machine == "${node}"`, '-af:t', ...AF_FIELDS]],
    parse: ([shown]) => parseCondorStatus(shown ?? ''),
    judge: (slots) => judgeCondor(slots, config.reasonPrefix),
    describe: (slots) => {
      if (slots.length === 0) return 'no slot ads in the collector';
      const draining = slots.find((slot) => slot.draining);
      return draining ? `Draining, DrainReason ${JSON.stringify(draining.reason ?? '')}, DrainingRequestId ${draining.requestId ?? 'undefined'}` : `${slots.length} slot(s), ${slots[0]!.state}/${slots[0]!.activity}`;
    },
    drain: (node, reason) => [config.condorDrain, '-graceful', '-reason', markReason(config.reasonPrefix, reason), '-start', 'False', node],
    resume: (node, slots) => {
      const id = slots.find((slot) => slot.draining)?.requestId;
      return id ? [config.condorDrain, '-cancel', '-request-id', id, node] : { refuse: `${node}: our drain has no DrainingRequestId to cancel by; cancel it by hand` };
    },
    permanent: /Can't find address|unknown host|No matching draining request id|not authorized|PERMISSION DENIED/i,
  };
}

/** The action module. */
export const htcondor = { configSchema, create: (config: HtcondorConfig) => createCliAction(htcondorSpec(config), config) } satisfies ActionModule;
