/**
 * @module cluster/nodes/kubernetes
 * `nodes.kubernetes`: the Nodes of a Kubernetes API server (`GET /api/v1/nodes`, optionally with
 * a label selector). The Node's name is the scheduler's name; fsevd is reached at its InternalIP
 * (or another address type) on the default port. Inside a cluster the defaults are the pod's
 * service account: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT, the token file
 * (re-read at every call: projected tokens rotate) and the CA in
 * /var/run/secrets/kubernetes.io/serviceaccount/. RBAC needed: nodes list.
 */
import { readFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Type, type Static } from '@sinclair/typebox';
import { FsevdError } from '../../errors.ts';
import type { NodeEndpoint, NodeSource, NodeSourceContext } from '../types.ts';
import { formatAddress } from './entry.ts';

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Largest NodeList body read (bytes): ~5 KiB per Node, for clusters of tens of thousands. */
const MAX_BODY = 256 * 1024 * 1024;

/** `nodes.kubernetes`. */
export const configSchema = Type.Object(
  {
    apiServer: Type.Optional(Type.String({ pattern: '^https?://', description: 'API server URL (default: in-cluster, from KUBERNETES_SERVICE_HOST/PORT).' })),
    tokenFile: Type.String({ minLength: 1, default: `${SERVICE_ACCOUNT}/token`, description: 'Bearer token file, re-read at every call ("" in the file: none).' }),
    ca: Type.String({ minLength: 1, default: `${SERVICE_ACCOUNT}/ca.crt`, description: 'CA of the API server (https).' }),
    labelSelector: Type.Optional(Type.String({ minLength: 1, description: 'Only Nodes with these labels (e.g. fsevd=enabled).' })),
    addressType: Type.String({ minLength: 1, default: 'InternalIP', description: 'Which status.addresses entry reaches fsevd (InternalIP, Hostname, ExternalIP).' }),
    timeoutSeconds: Type.Number({ minimum: 1, default: 20 }),
  },
  { additionalProperties: false },
);

type Settings = Static<typeof configSchema>;

/** Lists the Nodes at each list(). */
export function create(config: Settings, context: NodeSourceContext): NodeSource {
  return {
    async list(signal) {
      const base = config.apiServer ?? inClusterUrl();
      const url = new URL('/api/v1/nodes', base);
      if (config.labelSelector) url.searchParams.set('labelSelector', config.labelSelector);
      const token = (await readFile(config.tokenFile, 'utf8').catch(() => '')).trim();
      const ca = url.protocol === 'https:' ? await readFile(config.ca).catch(() => undefined) : undefined;
      const body = await getJson(url, token, ca, config.timeoutSeconds * 1000, signal);
      return nodesOf(body, config.addressType, context.defaultPort);
    },
  };
}

function inClusterUrl(): string {
  const host = process.env.KUBERNETES_SERVICE_HOST;
  const port = process.env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) throw new FsevdError('FSEVD_E_STARTUP', 'Not inside a Kubernetes cluster (no KUBERNETES_SERVICE_HOST/PORT): set nodes.kubernetes.apiServer');
  return `https://${formatAddress(host, Number(port))}`;
}

/** Endpoints of a NodeList: one per Node that has an address of the wanted type. */
export function nodesOf(body: unknown, addressType: string, port: number): NodeEndpoint[] {
  const items = (body as { items?: unknown })?.items;
  if (!Array.isArray(items)) throw new FsevdError('FSEVD_E_DECODE', 'The API server answer is not a NodeList (no items)');
  const endpoints: NodeEndpoint[] = [];
  for (const item of items as Array<{ metadata?: { name?: unknown }; status?: { addresses?: Array<{ type?: unknown; address?: unknown }> } }>) {
    const name = item?.metadata?.name;
    const host = item?.status?.addresses?.find((a) => a?.type === addressType)?.address;
    if (typeof name === 'string' && typeof host === 'string' && host) endpoints.push({ host, port, address: formatAddress(host, port), schedulerName: name });
  }
  return endpoints;
}

function getJson(url: URL, token: string, ca: Buffer | undefined, timeoutMs: number, signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      timeout: timeoutMs,
      signal,
      ...(ca ? { ca } : {}),
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', (err) => reject(new FsevdError('FSEVD_E_STARTUP', `Kubernetes API ${url.origin}: ${err.message}`, { cause: err })));
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY) request.destroy(new Error('answer too large'));
        else chunks.push(chunk);
      });
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (response.statusCode !== 200) return reject(new FsevdError('FSEVD_E_STARTUP', `Kubernetes API ${url.pathname}: HTTP ${response.statusCode} ${text.slice(0, 200)}`));
        try {
          resolve(JSON.parse(text));
        } catch {
          reject(new FsevdError('FSEVD_E_DECODE', 'The Kubernetes API answer is not JSON'));
        }
      });
    });
    request.end();
  });
}
