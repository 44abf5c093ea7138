/**
 * @module rules/actions/flux
 * The `flux` action: drains a node with `flux resource drain HOST "fsevd: <reason>"` (running
 * jobs keep running; a drained node that is still allocated shows as `draining`) and undrains it
 * with `flux resource undrain HOST`. It reads `flux resource drain -n -i HOST -o
 * '{nodelist}|{reason}'` (empty when not drained) and `flux resource status -n -s offline,exclude
 * -i HOST -o '{nodelist}'` (non-empty when the node is offline or excluded: not touched) first. A
 * drain whose reason does not start with our prefix is someone else's; we never pass -f, so Flux
 * itself refuses to overwrite a reason. Only the Flux instance owner may drain and undrain.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { ActionModule } from '../types.ts';
import { createCliAction, type CliSpec } from '../scheduler/cli-driver.ts';
import { isOwnReason, markReason } from '../scheduler/marker.ts';
import { commonSettings, envSetting, programSetting } from '../scheduler/settings.ts';

/** Settings of a `flux` action in a rule. */
export const configSchema = Type.Object({ ...commonSettings, flux: programSetting('flux'), env: envSetting }, { additionalProperties: false });

/** Validated settings. */
export type FluxConfig = Static<typeof configSchema>;

/** What the two listings say about one node. */
export interface FluxNode {
  drained: boolean;
  reason?: string;
  /** Offline or excluded. */
  offline: boolean;
}

/** Parses the drain listing and the offline listing (each empty when the node is not in it). */
export function parseFlux(drainList: string, offlineList: string): FluxNode {
  const line = drainList.split('\n').find((l) => l.trim());
  const reason = line === undefined ? undefined : line.slice(line.indexOf('|') + 1).trim();
  return { drained: line !== undefined, reason: reason || undefined, offline: offlineList.trim() !== '' };
}

/** How the flux action reads, drains and undrains with `flux resource`. */
export function fluxSpec(config: FluxConfig): CliSpec<FluxNode> {
  return {
    read: (node) => [
      [config.flux, 'resource', 'drain', '-n', '-i', node, '-o', '{nodelist}|{reason}'],
      [config.flux, 'resource', 'status', '-n', '-s', 'offline,exclude', '-i', node, '-o', '{nodelist}'],
    ],
    parse: ([drainList, offlineList]) => parseFlux(drainList ?? '', offlineList ?? ''),
    judge: (node) => ({ down: node.offline, drain: !node.drained ? 'none' : isOwnReason(config.reasonPrefix, node.reason) ? 'ours' : 'foreign' }),
    describe: (node) => [node.offline ? 'offline' : 'online', node.drained ? `drained, reason ${JSON.stringify(node.reason ?? '')}` : 'not drained'].join(', '),
    drain: (node, reason) => [config.flux, 'resource', 'drain', node, markReason(config.reasonPrefix, reason)],
    resume: (node) => [config.flux, 'resource', 'undrain', node],
    permanent: /invalid|not found|unknown|permission|not allowed|only the instance owner/i,
  };
}

/** The action module. */
export const flux = { configSchema, create: (config: FluxConfig) => createCliAction(fluxSpec(config), config) } satisfies ActionModule;
