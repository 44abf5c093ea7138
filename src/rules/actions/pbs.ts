/**
 * @module rules/actions/pbs
 * The `pbs` action (OpenPBS / PBS Pro): drains with `pbsnodes -o -C "fsevd: <reason>" NODE` (the
 * offline state: running jobs keep running, no new ones start) and resumes with
 * `pbsnodes -r -C "" NODE`, which clears only the offline bit and, in the same call, our comment
 * (an empty comment unsets it), so a later admin offline without a comment is never mistaken for
 * ours. It reads `pbsnodes -v NODE` first: a down/unknown node is not touched; an offline node
 * whose comment does not start with our prefix is someone else's. Comments are cut at PBS's 80
 * characters. Needs PBS Manager or Operator rights (`qmgr -c "set server operators += root@node"`).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { ActionModule } from '../types.ts';
import { createCliAction, type CliSpec } from '../scheduler/cli-driver.ts';
import type { DrainOwner } from '../scheduler/drain-action.ts';
import { isOwnReason, markReason } from '../scheduler/marker.ts';
import { commonSettings, envSetting, programSetting } from '../scheduler/settings.ts';

/** Settings of a `pbs` action in a rule. */
export const configSchema = Type.Object({ ...commonSettings, pbsnodes: programSetting('pbsnodes'), env: envSetting }, { additionalProperties: false });

/** Validated settings. */
export type PbsConfig = Static<typeof configSchema>;

/** pbsnodes keeps 80 characters of a comment. */
const MAX_COMMENT = 80;
/** State words of a node that is not running anything we could keep from work. */
const DOWN_STATES = new Set(['down', 'state-unknown', 'stale', 'unresolvable', 'sleep']);

/** A vnode as `pbsnodes -v` prints it. */
export interface PbsNode {
  /** The state words (`free`, `offline`, `job-busy`, `down`, …). */
  states: string[];
  comment?: string;
}

/** Parses `pbsnodes -v NODE` (`     key = value` lines); undefined without a state line. */
export function parsePbsnodes(text: string): PbsNode | undefined {
  const attrs = new Map([...text.matchAll(/^\s+([\w.]+) = (.*)$/gm)].map((m) => [m[1]!, m[2]!.trim()]));
  const state = attrs.get('state');
  if (state === undefined) return undefined;
  return { states: state.split(',').map((s) => s.trim()), comment: attrs.get('comment') || undefined };
}

/** Down, and who took the node offline. */
export function judgePbs(node: PbsNode, prefix: string): { down: boolean; drain: DrainOwner } {
  const down = node.states.some((s) => DOWN_STATES.has(s));
  if (node.states.includes('maintenance')) return { down, drain: 'foreign' };
  if (!node.states.includes('offline')) return { down, drain: 'none' };
  return { down, drain: isOwnReason(prefix, node.comment) ? 'ours' : 'foreign' };
}

/** How the pbs action reads, drains and resumes with pbsnodes. */
export function pbsSpec(config: PbsConfig): CliSpec<PbsNode> {
  return {
    read: (node) => [[config.pbsnodes, '-v', node]],
    parse: ([shown]) => parsePbsnodes(shown ?? ''),
    judge: (node) => judgePbs(node, config.reasonPrefix),
    describe: (node) => `state = ${node.states.join(',')}${node.comment ? `, comment = ${JSON.stringify(node.comment)}` : ''}`,
    drain: (node, reason) => [config.pbsnodes, '-o', '-C', markReason(config.reasonPrefix, reason, MAX_COMMENT), node],
    resume: (node) => [config.pbsnodes, '-r', '-C', '', node],
    permanent: /Unknown node|Unauthorized|permission|not allowed/i,
  };
}

/** The action module. */
export const pbs = { configSchema, create: (config: PbsConfig) => createCliAction(pbsSpec(config), config) } satisfies ActionModule;
