/**
 * @module api/server
 * Builds the fastify instance: the context facade, the error handler and every route plugin.
 * Listening is the caller's business, so tests use app.inject() without a socket.
 */
import fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ApiContext } from './context.ts';
import { installErrorHandler } from './error-handler.ts';
import { routes } from './routes/index.ts';

/** Largest request body accepted (bytes); the API takes small JSON documents only. */
const BODY_LIMIT = 256 * 1024;

/** Creates the HTTP application. */
export async function buildServer(context: ApiContext, log: Logger): Promise<FastifyInstance> {
  const app = fastify({
    // pino 10's Logger type is wider than the one fastify declares; the instance itself is compatible.
    // Per-request lines only at debug and below; errors are always logged.
    loggerInstance: log.child({ component: 'api' }, { level: log.isLevelEnabled('debug') ? log.level : 'warn' }) as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, useDefaults: true } },
  });
  app.decorate('fsevd', context);
  installErrorHandler(app);
  for (const plugin of Object.values(routes)) await app.register(plugin);
  return app;
}
