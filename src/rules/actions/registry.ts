/**
 * @module rules/actions/registry
 * Every action, one line each. The key is the action's `type` in a rule and its name in logs,
 * metrics (`action="<key>"`) and docs.
 */
import type { ActionModule } from '../types.ts';
import { exec } from './exec.ts';
import { webhook } from './webhook.ts';
import { slurm } from './slurm/index.ts';
import { kubernetes } from './kubernetes/index.ts';
import { pbs } from './pbs.ts';
import { lsf } from './lsf.ts';
import { nomad } from './nomad.ts';
import { htcondor } from './htcondor.ts';
import { flux } from './flux.ts';

/** The registered actions. */
export const actions = {
  exec,
  webhook,
  slurm,
  kubernetes,
  pbs,
  lsf,
  nomad,
  htcondor,
  flux,
} satisfies Record<string, ActionModule>;

/** A registered action type. */
export type ActionType = keyof typeof actions;
