/**
 * @module api/routes/events
 * GET /api/v1/events?since=SEQ&limit=N: event history from the journal, in sequence order.
 * `next` is the cursor to pass as `since` for the following page.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { eventSchema } from '../schemas/event.ts';

/** Largest page a client may ask for. */
const MAX_LIMIT = 10_000;

/** The events route. */
export const events: FastifyPluginAsync = async (app) => {
  app.get<{ Querystring: { since: number; limit: number } }>('/api/v1/events', {
    schema: {
      querystring: Type.Object({
        since: Type.Integer({ minimum: 0, default: 0, description: 'Return events with seq greater than this.' }),
        limit: Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: 1000 }),
      }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          events: Type.Array(eventSchema),
          firstSeq: Type.Integer({ description: 'Oldest seq the journal still holds (0 when empty).' }),
          lastSeq: Type.Integer(),
          next: Type.Integer({ description: 'Pass as since= to continue.' }),
        }),
      },
    },
  }, async (request) => {
    const { since, limit } = request.query;
    const list = await app.fsevd.events(since, limit);
    const range = app.fsevd.journalRange();
    return { events: list, ...range, next: list.at(-1)?.seq ?? Math.max(since, 0) };
  });
};
