/**
 * @module rules/actions/kubernetes/node
 * Pure Kubernetes Node handling for the kubernetes action: what fsevd reads of a Node, whether it
 * is ours, and the exact patch bodies. `spec.taints` is an atomic list (no patch strategy), so the
 * taint goes in and out with a JSON patch (RFC 6902) guarded by a `test` of
 * metadata.resourceVersion (and of the taint's key at its index): a concurrent writer makes the
 * patch fail instead of being overwritten. `status.conditions` merges by `type`, so the condition
 * is a strategic-merge patch that touches only our condition type.
 */
import type { DrainOwner } from '../../scheduler/drain-action.ts';

/** A taint as the API holds it. */
export interface Taint {
  key: string;
  value?: string;
  effect: string;
  timeAdded?: string;
}

/** A node condition as the API holds it. */
export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

/** What the action needs of a Node. */
export interface KubeNode {
  name: string;
  resourceVersion: string;
  taints: Taint[];
  unschedulable: boolean;
  conditions: Condition[];
}

/** One JSON patch operation. */
export type JsonPatchOp = { op: 'test' | 'add' | 'replace'; path: string; value: unknown } | { op: 'remove'; path: string };

/** Where our marks are and what they are called. */
export interface Marks {
  taintKey: string;
  /** Our condition type, or undefined when the action sets no condition. */
  conditionType?: string;
}

/** The effect of our taint: no new pods; running pods stay (NoExecute would evict them). */
export const TAINT_EFFECT = 'NoSchedule';

/** Reads a Node object; undefined when it lacks a name or a resourceVersion. */
export function parseNode(json: unknown): KubeNode | undefined {
  const o = json as { metadata?: { name?: unknown; resourceVersion?: unknown }; spec?: { taints?: unknown; unschedulable?: unknown }; status?: { conditions?: unknown } } | null;
  const name = o?.metadata?.name;
  const resourceVersion = o?.metadata?.resourceVersion;
  if (typeof name !== 'string' || typeof resourceVersion !== 'string') return undefined;
  const list = <T>(value: unknown) => (Array.isArray(value) ? (value as T[]) : []);
  return { name, resourceVersion, taints: list<Taint>(o?.spec?.taints), unschedulable: o?.spec?.unschedulable === true, conditions: list<Condition>(o?.status?.conditions) };
}

/** Index of our taint (our key with effect NoSchedule), or -1. */
export function ownTaintIndex(node: KubeNode, marks: Marks): number {
  return node.taints.findIndex((t) => t.key === marks.taintKey && t.effect === TAINT_EFFECT);
}

/** Down (Ready not True), and whether our marks are all there (ours), partly (leftover) or not at all. */
export function judgeNode(node: KubeNode, marks: Marks): { down: boolean; drain: DrainOwner; leftover: boolean } {
  const ready = node.conditions.find((c) => c.type === 'Ready');
  const tainted = ownTaintIndex(node, marks) >= 0;
  const flagged = marks.conditionType !== undefined && node.conditions.some((c) => c.type === marks.conditionType && c.status === 'True');
  const complete = tainted && (marks.conditionType === undefined || flagged);
  return { down: ready !== undefined && ready.status !== 'True', drain: complete ? 'ours' : 'none', leftover: !complete && (tainted || flagged) };
}

/** The node's scheduling state in words. */
export function describeNode(node: KubeNode, marks: Marks): string {
  const ready = node.conditions.find((c) => c.type === 'Ready')?.status ?? 'unknown';
  const taints = node.taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`).join(',') || 'none';
  const ours = marks.conditionType ? node.conditions.find((c) => c.type === marks.conditionType) : undefined;
  return `Ready=${ready}${node.unschedulable ? ' cordoned' : ''} taints=${taints}${ours ? ` ${ours.type}=${ours.status}` : ''}`;
}

/** JSON patch adding our taint, guarded by the resourceVersion the node was read at. */
export function addTaintPatch(node: KubeNode, marks: Marks, now: Date): JsonPatchOp[] {
  const taint: Taint = { key: marks.taintKey, effect: TAINT_EFFECT, timeAdded: rfc3339(now) };
  const guard: JsonPatchOp = { op: 'test', path: '/metadata/resourceVersion', value: node.resourceVersion };
  // "/spec/taints/-" needs the list to exist; a node without taints has no list at all.
  return node.taints.length > 0 ? [guard, { op: 'add', path: '/spec/taints/-', value: taint }] : [guard, { op: 'add', path: '/spec/taints', value: [taint] }];
}

/** JSON patch removing our taint at `index`, guarded by the resourceVersion and the key there. */
export function removeTaintPatch(node: KubeNode, index: number): JsonPatchOp[] {
  return [
    { op: 'test', path: '/metadata/resourceVersion', value: node.resourceVersion },
    { op: 'test', path: `/spec/taints/${index}/key`, value: node.taints[index]!.key },
    { op: 'remove', path: `/spec/taints/${index}` },
  ];
}

/** Strategic-merge patch of /status setting only our condition (lastTransitionTime moves only when the status flips). */
export function conditionPatch(node: KubeNode, type: string, wanted: { status: 'True' | 'False'; reason: string; message: string }, now: Date): { status: { conditions: Condition[] } } {
  const current = node.conditions.find((c) => c.type === type);
  const transition = current?.status === wanted.status && current.lastTransitionTime ? current.lastTransitionTime : rfc3339(now);
  return { status: { conditions: [{ type, ...wanted, lastHeartbeatTime: rfc3339(now), lastTransitionTime: transition }] } };
}

/** RFC 3339 with whole seconds, as the API writes times. */
function rfc3339(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}
