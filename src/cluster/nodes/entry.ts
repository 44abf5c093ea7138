/**
 * @module cluster/nodes/entry
 * The one-line form of a node, used by the static list and the node file:
 * `host[:port] [name=SCHEDULER_NAME] [tls] [tokenFile=PATH] [ca=PATH]` (IPv6 as `[addr]:port`).
 * Pure: text in, NodeEndpoint or a reason out.
 */
import type { NodeEndpoint } from '../types.ts';

/** An address "host:port" from its parts (IPv6 in brackets). */
export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Host and port of "host[:port]" / "[v6][:port]", or a reason. */
export function parseHostPort(text: string, defaultPort: number): { host: string; port: number } | { problem: string } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]/]+))(?::(\d{1,5}))?$/.exec(text);
  const port = match?.[3] === undefined ? defaultPort : Number(match[3]);
  if (!match || port < 1 || port > 65_535) return { problem: `expected host[:port] (got ${JSON.stringify(text)})` };
  return { host: (match[1] ?? match[2])!, port };
}

/** Endpoint of one entry line (comments and blank lines are the caller's business). */
export function parseEntry(line: string, defaultPort: number): NodeEndpoint | { problem: string } {
  const [first, ...options] = line.trim().split(/\s+/);
  const target = parseHostPort(first ?? '', defaultPort);
  if ('problem' in target) return target;
  const endpoint: NodeEndpoint = { ...target, address: formatAddress(target.host, target.port) };
  for (const option of options) {
    const [key, value] = option.split(/=(.*)/s, 2) as [string, string | undefined];
    if (key === 'tls' && value === undefined) endpoint.tls = true;
    else if (key === 'name' && value) endpoint.schedulerName = value;
    else if (key === 'tokenFile' && value) endpoint.tokenFile = value;
    else if (key === 'ca' && value) endpoint.ca = value;
    else return { problem: `unknown option ${JSON.stringify(option)} (known: name=NAME, tls, tokenFile=PATH, ca=PATH)` };
  }
  return endpoint;
}
