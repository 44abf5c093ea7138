/**
 * @module cluster/api/server
 * The HTTP view of `fsevd cluster`: the node daemon's access rules and error mapping (api/auth.ts
 * tokens and roles, api/guard.ts default rule: `read` for GET, `admin` for the rest, the rate
 * limit, api/error-handler.ts), without the node-only routes. Loopback by default; HTTPS with
 * api.tls like the node daemon.
 */
import { readFile } from 'node:fs/promises';
import fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { Access } from '../../api/auth.ts';
import { installErrorHandler } from '../../api/error-handler.ts';
import { installGuard } from '../../api/guard.ts';
import { RateLimiter } from '../../api/rate-limit.ts';
import { ConfigError, FsevdError } from '../../errors.ts';
import type { ClusterService } from '../index.ts';
import { clusterPage } from './page.ts';
import { clusterRoutes } from './routes.ts';

/** Builds the cluster subscriber's HTTP application (listening is the caller's business). */
export async function buildClusterServer(service: ClusterService, log: Logger): Promise<FastifyInstance> {
  const api = service.config.api;
  const https = await tlsOptions(api.tls);
  const app = fastify({
    loggerInstance: log.child({ component: 'cluster-api' }, { level: log.isLevelEnabled('debug') ? log.level : 'warn' }) as FastifyBaseLogger,
    bodyLimit: 64 * 1024,
    ...(https ? { https } : {}),
  }) as unknown as FastifyInstance;
  app.decorate('fsevdAccess', new Access(() => api));
  const limiter = new RateLimiter(() => ({ perSecond: api.limits.requestsPerSecond, burst: api.limits.requestBurst }));
  app.decorate('fsevdRate', limiter);
  installErrorHandler(app);
  installGuard(app, limiter);
  await app.register(clusterRoutes(service));
  await app.register(clusterPage);
  return app;
}

async function tlsOptions(tls: { cert: string; key: string }): Promise<{ cert: Buffer; key: Buffer } | undefined> {
  if (!tls.cert && !tls.key) return undefined;
  if (!tls.cert || !tls.key) throw new ConfigError(['/api/tls: give both cert and key (PEM files), or neither for plain HTTP']);
  const read = (path: string) =>
    readFile(path).catch((err: Error) => {
      throw new FsevdError('FSEVD_E_STARTUP', `Cannot read TLS file ${path}: ${err.message}`, { cause: err });
    });
  return { cert: await read(tls.cert), key: await read(tls.key) };
}
