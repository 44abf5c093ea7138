/**
 * @module api/guard
 * The default access rule of every route, so that a new route is protected without doing
 * anything: each request first draws from its address's rate bucket (429 beyond), then needs the
 * `read` role for GET/HEAD and `admin` for every other method, which first refuses pages of other
 * sites (origin.ts). A route opts out with `config: { public: true }` (only /healthz does: probes
 * carry no token).
 */
import type { FastifyInstance } from 'fastify';
import { FsevdError } from '../errors.ts';
import { credentialsOf } from './auth.ts';
import type { RateLimiter } from './rate-limit.ts';

/** Installs the rate limit and default role check as an onRequest hook. */
export function installGuard(app: FastifyInstance, limiter: RateLimiter): void {
  app.addHook('onRequest', async (request, reply) => {
    const retryAfter = limiter.take(request.socket.remoteAddress ?? '');
    if (retryAfter > 0) {
      void reply.header('retry-after', String(retryAfter));
      throw new FsevdError('FSEVD_E_RATE_LIMITED', `Too many requests from this address (api.limits.requestsPerSecond); retry in ${retryAfter} s`);
    }
    // Unknown routes answer 404 whoever asks; there is nothing behind them to protect.
    if (request.routeOptions.url === undefined || request.routeOptions.config.public) return;
    const needed = request.method === 'GET' || request.method === 'HEAD' ? 'read' : 'admin';
    app.fsevdAccess.authorize(credentialsOf(request), needed);
  });
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Open to everyone (no token, any address); only for liveness probes. */
    public?: boolean;
  }
}
