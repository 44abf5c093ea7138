/**
 * @module rules/actions/registry
 * Every action, one line each. The key is the action's `type` in a rule and its name in logs,
 * metrics (`action="<key>"`) and docs.
 */
import type { ActionModule } from '../types.ts';

/** The registered actions. */
export const actions = {} satisfies Record<string, ActionModule>;

/** A registered action type. */
export type ActionType = keyof typeof actions;
