/**
 * @module api/routes/events
 * GET /api/v1/events?since=SEQ&limit=N&FILTER: event history from the journal, in sequence order,
 * with the stream's filter parameters. `next` is the cursor to pass as `since` for the next page.
 * POST /api/v1/events (admin): injects synthetic events through the pipeline, marked
 * `data.injected = true` with source `api`, to test rules, hooks and subscribers end to end. They
 * meet the pipeline as any source's observations do, correlation included: repeated faults of one
 * kind on one filesystem fold into a follow-up event (their seq is then null in the answer).
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { eventTypes } from '../../collector/events.ts';
import { requireRole } from '../auth.ts';
import { errorSchema, eventSchema } from '../schemas/event.ts';
import { compileFilter, filterFromQuery, filterQuerySchema, severityOrder, type FilterQuery } from '../stream/filter.ts';

/** Largest page a client may ask for. */
const MAX_LIMIT = 10_000;
/** Most events one injection may carry. */
const MAX_INJECT = 1000;

const injectedEventSchema = Type.Object(
  {
    type: Type.Union(eventTypes.map((t) => Type.Literal(t))),
    mountpoint: Type.Optional(Type.String({ minLength: 1, maxLength: 4096, description: 'A path: the event is attributed to the mount that holds it.' })),
    severity: Type.Optional(Type.Union(severityOrder.map((s) => Type.Literal(s)), { description: "Overrides the type's default severity." })),
    data: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'Payload; `injected: true` is added.' })),
  },
  { additionalProperties: false },
);
type InjectedEvent = Static<typeof injectedEventSchema>;

/** The events routes. */
export const events: FastifyPluginAsync = async (app) => {
  app.get<{ Querystring: FilterQuery & { since: number; limit: number } }>('/api/v1/events', {
    schema: {
      summary: 'Event history from the journal, oldest first, with the stream filters',
      tags: ['events'],
      querystring: Type.Object({
        since: Type.Integer({ minimum: 0, default: 0, description: 'Return events with seq greater than this.' }),
        limit: Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: 1000 }),
        ...filterQuerySchema,
      }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          events: Type.Array(eventSchema),
          firstSeq: Type.Integer({ description: 'Oldest seq the journal still holds (0 when empty).' }),
          lastSeq: Type.Integer(),
          next: Type.Integer({ description: 'Pass as since= to continue.' }),
        }),
        400: errorSchema,
      },
    },
  }, async (request) => {
    const { since, limit, ...filterQuery } = request.query;
    const filter = compileFilter(filterFromQuery(filterQuery));
    const list = await app.fsevd.events(since, limit, filter.all ? undefined : filter.matches);
    const range = app.fsevd.journalRange();
    return { events: list, ...range, next: list.at(-1)?.seq ?? Math.max(since, 0) };
  });

  app.post<{ Body: InjectedEvent | InjectedEvent[] }>('/api/v1/events', {
    preHandler: requireRole('admin'),
    schema: {
      summary: 'Inject synthetic events (admin), marked data.injected = true and source api',
      tags: ['events'],
      body: Type.Union([injectedEventSchema, Type.Array(injectedEventSchema, { minItems: 1, maxItems: MAX_INJECT })]),
      response: {
        202: Type.Object({
          seqs: Type.Array(Type.Union([Type.Integer(), Type.Null()]), {
            description: 'The seq each event was given, in order; null when correlation folded it into another event or holds it back (fault types, see correlation.*).',
          }),
        }),
        400: errorSchema,
        401: errorSchema,
        403: errorSchema,
      },
    },
  }, async (request, reply) => {
    const now = Date.now();
    const seqs = [request.body].flat().map((event) =>
      app.fsevd.inject({
        source: 'api',
        type: event.type,
        time: now,
        ...(event.mountpoint !== undefined ? { mount: { path: event.mountpoint } } : {}),
        ...(event.severity !== undefined ? { severity: event.severity } : {}),
        data: { ...event.data, injected: true },
      }) ?? null,
    );
    return reply.status(202).send({ seqs });
  });
};
