/**
 * Builds ActionRequests for the scheduler driver tests: a FS_UNAVAILABLE event on a mount, the
 * node, the phase and the reason, as the rules engine would send them.
 */
import type { FsEvent } from '../../../src/collector/types.ts';
import type { ActionPhase, ActionRequest } from '../../../src/rules/types.ts';

/** A request for `node`; `reason` defaults to the one the examples use. */
export function request(phase: ActionPhase, node: string, options: { reason?: string; dryRun?: boolean; signal?: AbortSignal } = {}): ActionRequest {
  const event: FsEvent = {
    seq: 1, time: new Date(0).toISOString(), node, type: 'FS_UNAVAILABLE', code: 14, class: 'error', severity: 'error', transient: true,
    mountpoint: '/scratch', fstype: 'fuse', sources: ['statfs'], count: 1, data: {},
  };
  return {
    phase, rule: 'scratch-unavailable', key: `scratch-unavailable/${node}//scratch`, event, node,
    reason: options.reason ?? '/scratch unavailable', dryRun: options.dryRun ?? false, signal: options.signal ?? new AbortController().signal,
  };
}
