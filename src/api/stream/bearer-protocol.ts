/**
 * @module api/stream/bearer-protocol
 * A bearer token carried in the WebSocket subprotocol list, for browsers: their WebSocket API
 * cannot set an Authorization header, and a token in the URL would end up in access logs and
 * history. The page offers `["fsevd.v1", "fsevd.bearer.<base64url of the token>"]`; the
 * upgrade treats the second as `Authorization: Bearer <token>` (a real Authorization header
 * wins), and the server always selects `fsevd.v1`, so the token is never echoed back.
 * base64url because a subprotocol must be an RFC 7230 token (no `/`, `=`, spaces).
 */
import type { IncomingMessage } from 'node:http';
import { isEncrypted, type Credentials } from '../auth.ts';

/** The protocol the server selects when a client offers it. */
export const STREAM_PROTOCOL = 'fsevd.v1';

/** Prefix of the subprotocol entry that carries a token. */
export const BEARER_PROTOCOL_PREFIX = 'fsevd.bearer.';

/** Credentials of an upgrade request: its headers, with a subprotocol token as Authorization when there is no header. */
export function upgradeCredentials(request: IncomingMessage, remoteAddress: string): Credentials {
  const encrypted = isEncrypted(request.socket);
  if (request.headers.authorization !== undefined) return { headers: request.headers, remoteAddress, encrypted };
  const offered = (request.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
  const carrier = offered.find((p) => p.startsWith(BEARER_PROTOCOL_PREFIX));
  if (carrier === undefined) return { headers: request.headers, remoteAddress, encrypted };
  const token = Buffer.from(carrier.slice(BEARER_PROTOCOL_PREFIX.length), 'base64url').toString('utf8');
  return { headers: { ...request.headers, authorization: `Bearer ${token}` }, remoteAddress, encrypted };
}

/** ws's handleProtocols: fsevd.v1 when offered, else any protocol but a token carrier, else none. */
export function selectProtocol(offered: Set<string>): string | false {
  if (offered.has(STREAM_PROTOCOL)) return STREAM_PROTOCOL;
  for (const protocol of offered) if (!protocol.startsWith(BEARER_PROTOCOL_PREFIX)) return protocol;
  return false;
}
