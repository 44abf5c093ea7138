/**
 * @module rules/actions/kubernetes
 * The `kubernetes` action: keeps new pods off the node with a `NoSchedule` taint under our own key
 * (`fsevd.io/filesystem-unhealthy` by default; running pods stay: never NoExecute, never a drain)
 * and records why in a node condition of our own type (`FilesystemUnhealthy`, status True, the
 * reason in its message); undo removes our taint and sets the condition False. A cordon
 * (`spec.unschedulable`) or any other taint is someone else's and never touched; a node whose
 * Ready condition is not True is not touched. The taint list is atomic, so it changes only by a
 * JSON patch that tests the resourceVersion it was read at; when another writer got there first
 * (409 Conflict, or 422 from the failed test) the node is read again and the patch rebuilt, up to
 * `conflictRetries` times. Needs a ServiceAccount (not kubelet credentials: NodeRestriction
 * forbids them to change taints) with nodes get/patch and nodes/status patch.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { ActionContext, ActionModule } from '../../types.ts';
import { jsonObject, retryableStatus } from '../../scheduler/api.ts';
import { createDrainAction, failed, ok, type NodeDriver, type Step } from '../../scheduler/drain-action.ts';
import { markReason } from '../../scheduler/marker.ts';
import { commonSettings } from '../../scheduler/settings.ts';
import { oneLine } from '../../scheduler/tool.ts';
import { JSON_PATCH, kubeRequest, SERVICE_ACCOUNT_DIR, STRATEGIC_MERGE_PATCH, type KubeCall } from './client.ts';
import { addTaintPatch, conditionPatch, describeNode, judgeNode, ownTaintIndex, parseNode, removeTaintPatch, type KubeNode, type Marks } from './node.ts';

/** Settings of a `kubernetes` action in a rule. */
export const configSchema = Type.Object(
  {
    ...commonSettings,
    apiServer: Type.Optional(Type.String({ pattern: '^https?://', description: 'API server URL; default: in-cluster (KUBERNETES_SERVICE_HOST/PORT).' })),
    tokenFile: Type.String({ minLength: 1, default: `${SERVICE_ACCOUNT_DIR}/token`, description: 'Bearer token file (re-read at each call: projected tokens rotate).' }),
    caFile: Type.Optional(Type.String({ minLength: 1, description: `PEM CA of the API server; default in-cluster: ${SERVICE_ACCOUNT_DIR}/ca.crt.` })),
    taintKey: Type.String({ pattern: '^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$', maxLength: 316, default: 'fsevd.io/filesystem-unhealthy', description: 'Key of our NoSchedule taint (own domain: never a node.kubernetes.io/ key).' }),
    conditionType: Type.String({ pattern: '^[A-Za-z][A-Za-z0-9]*$', maxLength: 63, default: 'FilesystemUnhealthy', description: 'Type of our node condition.' }),
    condition: Type.Boolean({ default: true, description: 'Also set the node condition (needs nodes/status patch).' }),
    conflictRetries: Type.Integer({ minimum: 0, maximum: 20, default: 5, description: 'Re-reads after a conflicting write before giving up (retryable).' }),
  },
  { additionalProperties: false },
);

/** Validated settings. */
export type KubernetesConfig = Static<typeof configSchema>;

/** The Kubernetes driver. */
export function kubernetesDriver(config: KubernetesConfig, context: Pick<ActionContext, 'now'>): NodeDriver<KubeNode> {
  const marks: Marks = { taintKey: config.taintKey, conditionType: config.condition ? config.conditionType : undefined };
  const send = (call: KubeCall) => kubeRequest(config, call);
  const get = async (name: string, signal: AbortSignal): Promise<Step<KubeNode>> => {
    const got = await send({ method: 'GET', path: `/api/v1/nodes/${name}`, signal });
    if (!got.ok) return got;
    if (got.value.status !== 200) return failed(`GET node ${name}: HTTP ${got.value.status} ${statusMessage(got.value)}`, retryableStatus(got.value.status));
    const node = parseNode(got.value.json);
    return node ? ok(node) : failed(`GET node ${name}: not a Node object`, true);
  };
  /** Adds or removes our taint, re-reading and retrying when another writer changed the node. */
  const setTaint = async (want: boolean, first: KubeNode, signal: AbortSignal): Promise<Step<KubeNode>> => {
    let node = first;
    for (let attempt = 0; ; attempt++) {
      const index = ownTaintIndex(node, marks);
      if (want === index >= 0) return ok(node);
      const patch = want ? addTaintPatch(node, marks, new Date(context.now())) : removeTaintPatch(node, index);
      const sent = await send({ method: 'PATCH', path: `/api/v1/nodes/${node.name}`, body: patch, contentType: JSON_PATCH, signal });
      if (!sent.ok) return sent;
      const { status } = sent.value;
      const patched = status === 200 ? parseNode(sent.value.json) : undefined;
      if (status === 200) return patched ? ok(patched) : get(node.name, signal);
      // 422 from our failed `test` op and 409 from the server's own exhausted retries both mean: someone else wrote first.
      const conflict = status === 409 || (status === 422 && /test/i.test(statusMessage(sent.value)));
      if (!conflict) return failed(`PATCH taints of ${node.name}: HTTP ${status} ${statusMessage(sent.value)}`, retryableStatus(status));
      if (attempt >= config.conflictRetries) return failed(`PATCH taints of ${node.name}: still conflicting after ${attempt + 1} attempts`, true);
      const again = await get(node.name, signal);
      if (!again.ok) return again;
      node = again.value;
    }
  };
  const setCondition = async (node: KubeNode, status: 'True' | 'False', message: string, signal: AbortSignal): Promise<Step<void>> => {
    if (!marks.conditionType || (node.conditions.find((c) => c.type === marks.conditionType)?.status ?? 'False') === status) return ok(undefined);
    const reason = status === 'True' ? 'FilesystemProblem' : 'FilesystemHealthy';
    const body = conditionPatch(node, marks.conditionType, { status, reason, message }, new Date(context.now()));
    const sent = await send({ method: 'PATCH', path: `/api/v1/nodes/${node.name}/status`, body, contentType: STRATEGIC_MERGE_PATCH, signal });
    if (!sent.ok) return sent;
    if (sent.value.status === 200) return ok(undefined);
    return failed(`PATCH status of ${node.name}: HTTP ${sent.value.status} ${statusMessage(sent.value)}`, retryableStatus(sent.value.status));
  };
  return {
    async read(name, signal) {
      const node = await get(name, signal);
      if (!node.ok) return node;
      return ok({ ...judgeNode(node.value, marks), describe: describeNode(node.value, marks), raw: node.value });
    },
    async drain(_name, reason, state, signal) {
      const tainted = await setTaint(true, state.raw, signal);
      if (!tainted.ok) return tainted;
      return setCondition(tainted.value, 'True', markReason(config.reasonPrefix, reason), signal);
    },
    async resume(_name, state, signal) {
      const untainted = await setTaint(false, state.raw, signal);
      if (!untainted.ok) return untainted;
      return setCondition(untainted.value, 'False', markReason(config.reasonPrefix, 'resumed: the filesystem is healthy again'), signal);
    },
  };
}

/** The message of a Status reply (or its text). */
function statusMessage(reply: { json: unknown; text: string }): string {
  const message = jsonObject({ ...reply, status: 0 }).message;
  return typeof message === 'string' ? oneLine(message) : oneLine(reply.text);
}

/** The action module. */
export const kubernetes = {
  configSchema,
  create: (config: KubernetesConfig, context: ActionContext) => createDrainAction(kubernetesDriver(config, context)),
} satisfies ActionModule;
