/**
 * @module api/auth
 * Who may do what. A request carries `Authorization: Bearer TOKEN`; the token's role (config
 * `api.tokens`) decides: `read` may query and subscribe, `admin` may also change things. Without
 * a token, a loopback client may read (`api.loopbackReads`), nothing more. With no tokens
 * configured at all, reads are open to loopback clients only and every change is refused, with an
 * error that says so. Before any of that, a browser request from another site is refused
 * (origin.ts: a foreign Origin always, a foreign Host on token-less loopback reads).
 *
 * Tokens are compared as SHA-256 digests with crypto.timingSafeEqual, against every configured
 * token without stopping at a match, so neither the secret's content nor its position in the
 * list shows in the response time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { FsevdError } from '../errors.ts';
import type { ApiConfig, ApiToken, Role } from './config.ts';
import { refuseForeignHost, refuseForeignOrigin } from './origin.ts';

export type { Role } from './config.ts';

/** Who a request was admitted as: a token's name and role, or the anonymous loopback reader. */
export interface Principal {
  name: string;
  role: Role;
}

/** The part of a request that decides access (an HTTP request or a WebSocket upgrade). */
export interface Credentials {
  headers: IncomingHttpHeaders;
  remoteAddress: string | undefined;
  /** Whether it came over TLS (the scheme of the daemon's own origin); false when absent. */
  encrypted?: boolean;
}

interface HashedToken {
  name: string;
  role: Role;
  digest: Buffer;
}

const SHA256_PREFIX = 'sha256:';

/** Checks credentials against the current `api` configuration (re-read on every call, so a reload applies at once). */
export class Access {
  readonly #settings: () => ApiConfig;
  /** Digests of the configured tokens, recomputed when the configured list changes. */
  #hashed: { from: readonly ApiToken[]; tokens: HashedToken[] } | undefined;

  constructor(settings: () => ApiConfig) {
    this.#settings = settings;
  }

  /** The principal of a request allowed `needed`; throws FsevdError UNAUTHORIZED or FORBIDDEN otherwise. */
  authorize(credentials: Credentials, needed: Role): Principal {
    const settings = this.#settings();
    const tokens = this.#tokens(settings.tokens);
    const presented = bearerToken(credentials.headers.authorization);
    const loopback = isLoopback(credentials.remoteAddress);
    refuseForeignOrigin(credentials.headers, credentials.encrypted ?? false, settings.allowedOrigins);
    if (presented === undefined) {
      if (credentials.headers.authorization !== undefined) throw new FsevdError('FSEVD_E_UNAUTHORIZED', 'The Authorization header must be "Bearer TOKEN"');
      if (needed === 'read' && loopback && (tokens.length === 0 || settings.loopbackReads)) {
        refuseForeignHost(credentials.headers.host, settings.allowedHosts);
        return { name: 'loopback', role: 'read' };
      }
      if (tokens.length === 0) throw noTokensConfigured(needed);
      throw new FsevdError('FSEVD_E_UNAUTHORIZED', `This request needs a token with role ${needed} (Authorization: Bearer TOKEN)`);
    }
    const principal = match(tokens, presented);
    if (!principal) throw new FsevdError('FSEVD_E_UNAUTHORIZED', tokens.length === 0 ? 'A token was sent but no API tokens are configured (api.tokens)' : 'Unknown API token');
    if (needed === 'admin' && principal.role !== 'admin') throw new FsevdError('FSEVD_E_FORBIDDEN', `Token "${principal.name}" has role ${principal.role}; this request needs admin`);
    return principal;
  }

  #tokens(configured: readonly ApiToken[]): HashedToken[] {
    if (this.#hashed?.from !== configured) {
      this.#hashed = { from: configured, tokens: configured.map((t) => ({ name: t.name, role: t.role, digest: configuredDigest(t.token) })) };
    }
    return this.#hashed.tokens;
  }
}

/**
 * A fastify preHandler that admits only requests allowed `role`, for routes that need more than
 * the default (every route already needs `read`, and every method but GET/HEAD `admin`; see
 * guard.ts). Usage: `app.post('/api/v1/thresholds', { preHandler: requireRole('admin') }, …)`.
 */
export function requireRole(role: Role): preHandlerAsyncHookHandler {
  return async function checkRole(this: unknown, request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    request.server.fsevdAccess.authorize(credentialsOf(request), role);
  };
}

/** The credentials of a fastify request. */
export function credentialsOf(request: FastifyRequest): Credentials {
  return { headers: request.headers, remoteAddress: request.socket.remoteAddress, encrypted: isEncrypted(request.socket) };
}

/** Whether a request's socket is TLS (node:tls sets `encrypted` on its sockets). */
export function isEncrypted(socket: object): boolean {
  return (socket as { encrypted?: boolean }).encrypted === true;
}

/** True for 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}

/** The secret of "Bearer SECRET" (scheme case-insensitive, RFC 6750); undefined otherwise. */
function bearerToken(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^Bearer +(\S+) *$/i.exec(header);
  return match?.[1];
}

function configuredDigest(token: string): Buffer {
  if (token.startsWith(SHA256_PREFIX) && /^[0-9a-fA-F]{64}$/.test(token.slice(SHA256_PREFIX.length))) {
    return Buffer.from(token.slice(SHA256_PREFIX.length), 'hex');
  }
  return createHash('sha256').update(token).digest();
}

/** Compares against every token (no early exit) in constant time per comparison. */
function match(tokens: readonly HashedToken[], presented: string): Principal | undefined {
  const digest = createHash('sha256').update(presented).digest();
  let found: Principal | undefined;
  for (const token of tokens) {
    if (timingSafeEqual(digest, token.digest) && !found) found = { name: token.name, role: token.role };
  }
  return found;
}

function noTokensConfigured(needed: Role): FsevdError {
  if (needed === 'admin') {
    return new FsevdError('FSEVD_E_FORBIDDEN', 'Changes need an admin token, and no API tokens are configured: add one under api.tokens in the config file');
  }
  return new FsevdError('FSEVD_E_FORBIDDEN', 'No API tokens are configured, so only loopback clients may read: add a token under api.tokens in the config file');
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The access checker of this server (see api/auth.ts). */
    fsevdAccess: Access;
  }
}
