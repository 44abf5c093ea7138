/**
 * @module api/routes/sources
 * GET /api/v1/sources: each source's health (up/down and why, last event time, lost records).
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { sourceHealthSchema } from '../schemas/event.ts';

/** The sources route. */
export const sources: FastifyPluginAsync = async (app) => {
  app.get('/api/v1/sources', {
    schema: { summary: 'Health of every source', tags: ['sources'], response: { 200: Type.Object({ sources: Type.Array(sourceHealthSchema) }) } },
  }, async () => ({ sources: app.fsevd.sources() }));
};
