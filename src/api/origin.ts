/**
 * @module api/origin
 * Refuses what a web page on another site can make a browser send to a loopback daemon.
 * - Origin: a browser sends it on every WebSocket handshake (which the same-origin policy does not
 *   guard: any page may open ws://127.0.0.1:9742) and on cross-site fetches. A request with an
 *   Origin that is neither the daemon's own (scheme://Host of the request) nor in
 *   api.allowedOrigins is refused. Clients that are not browsers send no Origin and are unaffected.
 * - Host: a page on an attacker's name that resolves to 127.0.0.1 (DNS rebinding) is same-origin
 *   with the daemon in the browser's eyes, but its requests carry the attacker's name as Host.
 *   Only token-less loopback reads need this check (a rebinding page cannot know a token), so a
 *   request admitted that way must name the machine: an IP literal, localhost, the host name (or
 *   its first label), or a name in api.allowedHosts.
 * Both refusals are FSEVD_E_CROSS_SITE (403). `"*"` in either list turns that check off.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { FsevdError } from '../errors.ts';

/** The list entry that turns a check off (deployments behind a proxy that checks for itself). */
export const ANY = '*';

/** Throws FSEVD_E_CROSS_SITE when the request has an Origin that is neither its own nor allowed. */
export function refuseForeignOrigin(headers: IncomingHttpHeaders, encrypted: boolean, allowedOrigins: readonly string[]): void {
  const origin = headers.origin?.toLowerCase();
  if (origin === undefined || allowedOrigins.includes(ANY)) return;
  const own = headers.host === undefined ? undefined : `${encrypted ? 'https' : 'http'}://${headers.host.toLowerCase()}`;
  if (origin === own || allowedOrigins.some((allowed) => allowed.toLowerCase().replace(/\/$/, '') === origin)) return;
  throw new FsevdError(
    'FSEVD_E_CROSS_SITE',
    `Requests from web pages of other origins are refused (Origin ${JSON.stringify(headers.origin)} is not ${own ?? 'this daemon'}); allow it with api.allowedOrigins`,
  );
}

/** Throws FSEVD_E_CROSS_SITE when the Host header names something other than this machine. */
export function refuseForeignHost(host: string | undefined, allowedHosts: readonly string[]): void {
  // A browser always sends Host; a request without one (HTTP/1.0 tools) is not a rebinding page's.
  if (host === undefined || allowedHosts.includes(ANY)) return;
  const name = hostnameOf(host);
  if (isMachineName(name) || allowedHosts.some((allowed) => allowed.toLowerCase() === name)) return;
  throw new FsevdError(
    'FSEVD_E_CROSS_SITE',
    `Host ${JSON.stringify(host)} is not a name of this machine, so a token-less read is refused (DNS rebinding); use an address, localhost or the host name, send a token, or add the name to api.allowedHosts`,
  );
}

/** The host name of a Host header, lower-case, without port, brackets or a trailing dot. */
function hostnameOf(host: string): string {
  const lower = host.toLowerCase();
  if (lower.startsWith('[')) return lower.slice(1, lower.indexOf(']') === -1 ? undefined : lower.indexOf(']'));
  const colon = lower.lastIndexOf(':');
  return (colon === -1 ? lower : lower.slice(0, colon)).replace(/\.$/, '');
}

/**
 * Names an attacker cannot point at this machine: IP literals (the browser went to the address
 * itself, so the page's origin is that address), localhost and *.localhost (RFC 6761: never
 * resolved through DNS), and the machine's own host name and its first label.
 */
function isMachineName(name: string): boolean {
  if (isIP(name) !== 0 || name === 'localhost' || name.endsWith('.localhost')) return true;
  const own = hostname().toLowerCase();
  return name === own || name === own.split('.')[0];
}
