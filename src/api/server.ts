/**
 * @module api/server
 * Builds the fastify instance: the context facade, access control (tokens, roles, rate limit),
 * the error handler, the OpenAPI generator and every route plugin; HTTPS when api.tls names a
 * certificate. Listening is the caller's business, so tests use app.inject() without a socket.
 */
import { readFile } from 'node:fs/promises';
import fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ConfigError, FsevdError } from '../errors.ts';
import { Access } from './auth.ts';
import type { ApiConfig } from './config.ts';
import type { ApiContext } from './context.ts';
import { installErrorHandler } from './error-handler.ts';
import { installGuard } from './guard.ts';
import { lazyCompilers } from './lazy-compilers.ts';
import { registerOpenApi } from './openapi.ts';
import { RateLimiter } from './rate-limit.ts';
import { routes } from './routes/index.ts';

/** Largest request body accepted (bytes); the API takes small JSON documents only. */
const BODY_LIMIT = 256 * 1024;

/** How to build the server. */
export interface BuildOptions {
  /** Compile every route schema before listening (fastify's default) instead of on first use; tests use it to prove all compile. */
  eagerSchemas?: boolean;
}

/** Creates the HTTP application. Throws ConfigError / FsevdError STARTUP when TLS files are unusable. */
export async function buildServer(context: ApiContext, log: Logger, options: BuildOptions = {}): Promise<FastifyInstance> {
  const https = await tlsOptions(context.apiConfig().tls);
  const app = fastify({
    // pino 10's Logger type is wider than the one fastify declares; the instance itself is compatible.
    // Per-request lines only at debug and below; errors are always logged.
    loggerInstance: log.child({ component: 'api' }, { level: log.isLevelEnabled('debug') ? log.level : 'warn' }) as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, useDefaults: true } },
    ...(options.eagerSchemas ? {} : { schemaController: { compilersFactory: lazyCompilers() } }),
    ...(https ? { https } : {}),
    // fastify's https overload types the instance as an https server; the API uses only what both share.
  }) as unknown as FastifyInstance;
  app.decorate('fsevd', context);
  app.decorate('fsevdAccess', new Access(() => context.apiConfig()));
  const limiter = new RateLimiter(() => {
    const { requestsPerSecond, requestBurst } = context.apiConfig().limits;
    return { perSecond: requestsPerSecond, burst: requestBurst };
  });
  app.decorate('fsevdRate', limiter);
  installErrorHandler(app);
  installGuard(app, limiter);
  await registerOpenApi(app);
  for (const plugin of Object.values(routes)) await app.register(plugin);
  return app;
}

/** The certificate and key of api.tls, or undefined for plain HTTP. */
async function tlsOptions(tls: ApiConfig['tls']): Promise<{ cert: Buffer; key: Buffer } | undefined> {
  if (!tls.cert && !tls.key) return undefined;
  if (!tls.cert || !tls.key) throw new ConfigError(['/api/tls: give both cert and key (PEM files), or neither for plain HTTP']);
  const read = (path: string, what: string) =>
    readFile(path).catch((err: Error) => {
      throw new FsevdError('FSEVD_E_STARTUP', `Cannot read TLS ${what} ${path}: ${err.message}`, { cause: err });
    });
  return { cert: await read(tls.cert, 'certificate'), key: await read(tls.key, 'key') };
}
