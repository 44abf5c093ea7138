/**
 * @module api/routes/health
 * GET /healthz: liveness for probes and load balancers; answers from memory only.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';

/** The health route. */
export const health: FastifyPluginAsync = async (app) => {
  // Public: probes and load balancers carry no token (it says nothing an attacker can use).
  app.get('/healthz', {
    config: { public: true },
    schema: {
      summary: 'Liveness',
      tags: ['meta'],
      response: { 200: Type.Object({ status: Type.Literal('ok'), node: Type.String(), version: Type.String(), lastSeq: Type.Integer() }) },
    },
  }, async () => ({ status: 'ok' as const, node: app.fsevd.node, version: app.fsevd.version, lastSeq: app.fsevd.journalRange().lastSeq }));
};
