/**
 * packaging/kubernetes/ is valid and consistent, checked offline (no cluster, no download):
 * - every object validates against the Kubernetes OpenAPI schemas (kubernetes-models, and
 *   @kubernetes-models/prometheus-operator for the ServiceMonitor), the level of
 *   `kubectl apply --dry-run=client`;
 * - no object has a field its API does not know (a misspelt key is silently ignored by the API
 *   server): TypeScript's excess-property check against the same models' types;
 * - the ClusterRole grants exactly what the kubernetes driver calls;
 * - the pieces fit: the ConfigMap is a valid fsevd config whose token hash is the Secret's token,
 *   the Service and ServiceMonitor select the DaemonSet's pods and port, the args match the mounts.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { parseAllDocuments } from 'yaml';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { loadConfig } from '../../src/config/load.ts';
import { tempDir } from '../helpers/system.ts';

const DIR = fileURLToPath(new URL('../../packaging/kubernetes/', import.meta.url));
const ACTIONS = fileURLToPath(new URL('../../src/rules/actions/', import.meta.url));

/** Per apiVersion/kind: the model that validates it, and its TypeScript type (module, interface). */
const MODELS: Record<string, { validate: (doc: object) => void; type: [string, string] }> = {
  'v1/Namespace': { validate: (d) => new Namespace(d).validate(), type: ['kubernetes-models/v1/Namespace', 'INamespace'] },
  'v1/ServiceAccount': { validate: (d) => new ServiceAccount(d).validate(), type: ['kubernetes-models/v1/ServiceAccount', 'IServiceAccount'] },
  'v1/ConfigMap': { validate: (d) => new ConfigMap(d as never).validate(), type: ['kubernetes-models/v1/ConfigMap', 'IConfigMap'] },
  'v1/Secret': { validate: (d) => new Secret(d as never).validate(), type: ['kubernetes-models/v1/Secret', 'ISecret'] },
  'v1/Service': { validate: (d) => new Service(d).validate(), type: ['kubernetes-models/v1/Service', 'IService'] },
  'apps/v1/DaemonSet': { validate: (d) => new DaemonSet(d as never).validate(), type: ['kubernetes-models/apps/v1/DaemonSet', 'IDaemonSet'] },
  'rbac.authorization.k8s.io/v1/ClusterRole': { validate: (d) => new ClusterRole(d).validate(), type: ['kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole', 'IClusterRole'] },
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': { validate: (d) => new ClusterRoleBinding(d as never).validate(), type: ['kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding', 'IClusterRoleBinding'] },
  'monitoring.coreos.com/v1/ServiceMonitor': { validate: (d) => new ServiceMonitor(d as never).validate(), type: ['@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor', 'IServiceMonitor'] },
};

// What the kubernetes driver calls (src/rules/actions/kubernetes: GET and JSON-patch the Node
// for its taint, strategic-merge patch of nodes/status for its condition): resource → verbs.
const DRIVER_NEEDS: Record<string, string[]> = { nodes: ['get', 'patch'], 'nodes/status': ['patch'] };

interface Doc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [key: string]: unknown;
}

/** Every object of every manifest (kustomization.yaml aside), with its file. */
function manifests(): Array<{ file: string; doc: Doc }> {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
  return files.flatMap((file) =>
    parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((d) => {
      assert.equal(d.errors.length, 0, `${file}: ${d.errors.join('; ')}`);
      return { file, doc: d.toJS() as Doc };
    }),
  );
}

function one<T = Doc>(kind: string): T {
  const found = manifests().filter((m) => m.doc.kind === kind);
  assert.equal(found.length, 1, `one ${kind}`);
  return found[0]!.doc as T;
}

/** TypeScript errors of `docs` checked (as object literals, so unknown keys count) against their model types. */
function typeErrors(docs: Doc[]): string[] {
  const virtual = join(DIR, '__manifests__.ts');
  const lines = docs.map((doc, i) => {
    const [module, type] = MODELS[`${doc.apiVersion}/${doc.kind}`]!.type;
    return `import type { ${type} as T${i} } from '${module}';\nexport const m${i} = ${JSON.stringify(doc)} satisfies T${i};`;
  });
  const text = lines.join('\n');
  const options: ts.CompilerOptions = { strict: true, noEmit: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, skipLibCheck: true, types: [] };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, ...rest) => (name === virtual ? ts.createSourceFile(name, text, language) : getSourceFile.call(host, name, language, ...rest));
  host.fileExists = (name) => name === virtual || fileExists.call(host, name);
  host.readFile = (name) => (name === virtual ? text : readFile.call(host, name));
  const program = ts.createProgram([virtual], options, host);
  return ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName === virtual).map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' '));
}

test('every object validates against the Kubernetes schemas, and a broken one does not', () => {
  const all = manifests();
  assert.ok(all.length >= 9);
  for (const { file, doc } of all) {
    const model = MODELS[`${doc.apiVersion}/${doc.kind}`];
    assert.ok(model, `${file}: no validator for ${doc.apiVersion} ${doc.kind}`);
    assert.doesNotThrow(() => model.validate(doc), `${file} ${doc.kind}`);
  }
  const broken = structuredClone(one('DaemonSet')) as unknown as { spec: { template: { spec: { containers: Array<{ ports: Array<{ containerPort: unknown }> }> } } } };
  broken.spec.template.spec.containers[0]!.ports[0]!.containerPort = 'http';
  assert.throws(() => MODELS['apps/v1/DaemonSet']!.validate(broken), /containerPort must be integer/);
});

test('no object has a field its API does not know (a misspelt key fails)', () => {
  const docs = manifests().map((m) => m.doc);
  assert.deepEqual(typeErrors(docs), []);
  const typo = JSON.parse(JSON.stringify(one('DaemonSet')).replace('"mountPropagation"', '"mountPropogation"')) as Doc;
  assert.match(typeErrors([typo]).join('\n'), /'"?mountPropogation"?' does not exist/);
});

test('the ClusterRole grants exactly what the kubernetes driver calls', () => {
  const role = one<{ rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }> }>('ClusterRole');
  const granted: Record<string, string[]> = {};
  for (const rule of role.rules) {
    assert.deepEqual(rule.apiGroups, [''], 'core API group only');
    for (const resource of rule.resources) granted[resource] = [...(granted[resource] ?? []), ...rule.verbs].sort();
  }
  assert.deepEqual(granted, Object.fromEntries(Object.entries(DRIVER_NEEDS).map(([r, v]) => [r, [...v].sort()])));
  // When the driver exists, every API resource it names must be granted.
  const driver = existsSync(ACTIONS) ? readdirSync(ACTIONS, { recursive: true }).map(String).filter((f) => /kubernetes/.test(f) && f.endsWith('.ts')) : [];
  for (const file of driver) {
    const text = readFileSync(join(ACTIONS, file), 'utf8');
    for (const [, resource, sub] of text.matchAll(/\/api\/v1\/(?:namespaces\/[^/]+\/)?(nodes|events|pods)(?:\/\$\{[^}]+\}|\/[a-z0-9-]+)?(\/status|\/eviction)?/g)) {
      const name = `${resource}${sub ?? ''}`;
      assert.ok(granted[name], `${file} calls ${name}, which the ClusterRole does not grant`);
    }
  }
});

test('the pieces fit together: config, token, selectors, ports, mounts', async (t) => {
  const configMap = one<{ metadata: { name: string }; data: Record<string, string> }>('ConfigMap');
  const dir = await tempDir(t);
  await writeFile(join(dir, 'fsevd.yaml'), configMap.data['fsevd.yaml']!);
  const config = await loadConfig(join(dir, 'fsevd.yaml'), {});
  assert.match(config.listen, /^0\.0\.0\.0:/, 'reachable from Prometheus');
  const secret = one<{ metadata: { name: string }; stringData: { token: string } }>('Secret');
  const digest = createHash('sha256').update(secret.stringData.token).digest('hex');
  assert.ok(config.api.tokens.some((tok) => tok.role === 'read' && tok.token === `sha256:${digest}`), 'the ConfigMap holds the hash of the Secret\'s token');

  const ds = one<{ spec: { selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: Record<string, never> } } }>('DaemonSet');
  const pod = ds.spec.template.spec as unknown as {
    serviceAccountName: string;
    containers: Array<{ args: string[]; ports: Array<{ name: string; containerPort: number }>; volumeMounts: Array<{ name: string; mountPath: string; mountPropagation?: string; readOnly?: boolean }> }>;
    volumes: Array<{ name: string; configMap?: { name: string }; hostPath?: { path: string } }>;
  };
  const container = pod.containers[0]!;
  const arg = (flag: string) => container.args[container.args.indexOf(flag) + 1];
  const mountOf = (path: string) => container.volumeMounts.find((m) => path.startsWith(`${m.mountPath}/`) || path === m.mountPath);
  assert.equal(pod.volumes.find((v) => v.name === mountOf(arg('--config')!)?.name)?.configMap?.name, configMap.metadata.name, 'the config file comes from the ConfigMap');
  assert.equal(pod.volumes.find((v) => v.name === mountOf(arg('--state-dir')!)?.name)?.hostPath?.path, '/var/lib/fsevd', 'state survives the pod');
  assert.equal(arg('--node'), '$(NODE_NAME)');
  const host = container.volumeMounts.find((m) => m.mountPath === '/host');
  assert.equal(host?.mountPropagation, 'HostToContainer', 'mounts made after start reach the pod');
  assert.notEqual(host?.readOnly, true, 'a read-only /host would make the host root look read-only');
  assert.equal(Number(config.listen.split(':').at(-1)), container.ports[0]!.containerPort);

  const sa = one<Doc>('ServiceAccount');
  const binding = one<{ subjects: Array<{ name: string; namespace: string }>; roleRef: { name: string } }>('ClusterRoleBinding');
  assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: sa.metadata.name, namespace: sa.metadata.namespace }]);
  assert.equal(pod.serviceAccountName, sa.metadata.name);
  assert.equal(binding.roleRef.name, one<Doc>('ClusterRole').metadata.name);

  const service = one<{ spec: { selector: Record<string, string>; ports: Array<{ name: string; targetPort: string }> } }>('Service');
  for (const [k, v] of Object.entries(service.spec.selector)) assert.equal(ds.spec.template.metadata.labels[k], v, 'the Service selects the pods');
  assert.ok(container.ports.some((p) => p.name === service.spec.ports[0]!.targetPort));
  const monitor = one<{ spec: { selector: { matchLabels: Record<string, string> }; endpoints: Array<{ port: string; authorization: { credentials: { name: string; key: string } } }> } }>('ServiceMonitor');
  const labels = one<Doc>('Service').metadata.labels ?? {};
  for (const [k, v] of Object.entries(monitor.spec.selector.matchLabels)) assert.equal(labels[k], v, 'the ServiceMonitor selects the Service');
  assert.equal(monitor.spec.endpoints[0]!.port, service.spec.ports[0]!.name);
  assert.deepEqual(monitor.spec.endpoints[0]!.authorization.credentials, { name: secret.metadata.name, key: 'token' });
});

test('kustomization.yaml lists every manifest', () => {
  const listed = (parseAllDocuments(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8'))[0]!.toJS() as { resources: string[] }).resources;
  assert.deepEqual([...listed].sort(), readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort());
});
