/**
 * @module rules/actions/slurm
 * The `slurm` action: drains the node with `scontrol update NodeName=N State=DRAIN Reason="fsevd:
 * <reason>"` (DRAIN, never DOWN: running jobs finish, no new ones start) and undoes it with
 * `State=UNDRAIN`, which clears only the drain flag and our reason. Before acting it reads
 * `scontrol show node N`: a down node is not touched, a drain whose reason does not start with our
 * prefix (an admin's, slurmctld's own such as "Kill task failed", or one with no reason) is
 * neither resumed nor overwritten (Slurm would overwrite a reason silently), and a drain that is
 * already ours is `already`. Needs root, SlurmUser or AdminLevel=Admin (Operator is not enough).
 * scontrol has no compare-and-set: an admin drain landing between our read and our DRAIN is the
 * one window where their reason would be replaced by ours.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { ActionModule } from '../../types.ts';
import { createCliAction, type CliSpec } from '../../scheduler/cli-driver.ts';
import { markReason } from '../../scheduler/marker.ts';
import { commonSettings, envSetting, programSetting } from '../../scheduler/settings.ts';
import { describeNode, judge, parseShowNode, type SlurmNode } from './state.ts';

/** Settings of a `slurm` action in a rule. */
export const configSchema = Type.Object(
  { ...commonSettings, scontrol: programSetting('scontrol'), env: envSetting },
  { additionalProperties: false },
);

/** Validated settings. */
export type SlurmConfig = Static<typeof configSchema>;

/** How the slurm action reads, drains and resumes with scontrol. */
export function slurmSpec(config: SlurmConfig): CliSpec<SlurmNode> {
  return {
    read: (node) => [[config.scontrol, 'show', 'node', node]],
    parse: ([shown]) => parseShowNode(shown ?? ''),
    judge: (node) => judge(node, config.reasonPrefix),
    describe: describeNode,
    drain: (node, reason) => [config.scontrol, 'update', `NodeName=${node}`, 'State=DRAIN', `Reason=${markReason(config.reasonPrefix, reason)}`],
    resume: (node) => [config.scontrol, 'update', `NodeName=${node}`, 'State=UNDRAIN'],
    permanent: /not found|Invalid node name|Invalid user id|Access\/permission denied|must specify a reason/i,
  };
}

/** The action module. */
export const slurm = {
  configSchema,
  create: (config: SlurmConfig) => createCliAction(slurmSpec(config), config),
} satisfies ActionModule;
