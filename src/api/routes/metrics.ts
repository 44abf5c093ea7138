/**
 * @module api/routes/metrics
 * GET /metrics: the Prometheus exposition text, from what the daemon holds in memory (a scrape
 * never calls statfs or touches a mount, so a hung mount cannot stall it). The cached chunks are
 * streamed as they are, with their total length, instead of being copied into one buffer.
 */
import { Readable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import { FsevdError } from '../../errors.ts';
import { DaemonMetrics } from '../metrics/index.ts';

/** The metrics route. */
export const metrics: FastifyPluginAsync = async (app) => {
  app.get('/metrics', async (_request, reply) => {
    const source = app.fsevd.metrics;
    if (!source) throw new FsevdError('FSEVD_E_NOT_FOUND', 'This daemon has no metrics');
    const chunks = await source.renderChunks();
    const length = chunks.reduce((total, chunk) => total + chunk.length, 0);
    return reply.type(DaemonMetrics.contentType).header('content-length', length).send(Readable.from(chunks, { objectMode: false }));
  });
};
