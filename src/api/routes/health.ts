/**
 * @module api/routes/health
 * GET /healthz: liveness for probes and load balancers; answers from memory only.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';

/** The health route. */
export const health: FastifyPluginAsync = async (app) => {
  app.get('/healthz', {
    schema: {
      response: { 200: Type.Object({ status: Type.Literal('ok'), node: Type.String(), version: Type.String(), lastSeq: Type.Integer() }) },
    },
  }, async () => ({ status: 'ok' as const, node: app.fsevd.node, version: app.fsevd.version, lastSeq: app.fsevd.journalRange().lastSeq }));
};
