/**
 * @module api/routes/stream
 * /api/v1/stream: the live event stream with filters and resume. A WebSocket upgrade there speaks
 * the protocol of stream/protocol.ts; a plain GET is Server-Sent Events with the same filter as
 * query parameters, `since` or the `Last-Event-ID` header (which wins: it is what a reconnecting
 * EventSource sends) as the cursor, so `curl -N` is a client.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { FsevdError } from '../../errors.ts';
import { compileFilter, filterFromQuery, filterQuerySchema, type FilterQuery } from '../stream/filter.ts';
import { Hub } from '../stream/hub.ts';
import { DEFAULT_BUFFER, subscribeSettings } from '../stream/protocol.ts';
import { SSE_SUBSCRIPTION, SseConnection } from '../stream/sse.ts';
import { Subscription } from '../stream/subscription.ts';
import { acceptWebSockets, STREAM_PATH } from '../stream/upgrade.ts';

/** How long an EventSource waits before reconnecting (ms), sent in the stream's first line. */
const RECONNECT_MS = 2000;

const settingsSchema = Type.Object(subscribeSettings);
type StreamQuery = FilterQuery & Static<typeof settingsSchema>;

/** The stream routes (SSE here, WebSocket through the server's upgrade event). */
export const stream: FastifyPluginAsync = async (app) => {
  const hub = new Hub(app.fsevd, app.log);
  hub.start();
  const unregister = (['websocket', 'sse'] as const).map((transport) => app.fsevd.metrics?.addSubscriberSource(transport, () => hub.stats(transport)));
  // Before the server waits for its connections to end: streams never end on their own.
  app.addHook('preClose', async () => {
    hub.close();
    for (const stop of unregister) stop?.();
  });
  acceptWebSockets(app, hub);

  app.get<{ Querystring: StreamQuery; Headers: { 'last-event-id'?: string } }>(STREAM_PATH, {
    schema: {
      summary: 'Live events: Server-Sent Events, or a WebSocket when the request is an upgrade',
      description:
        'SSE: each event is `id: SEQ` and `data: JSON`; notices are `event: lost` / `event: live`; a comment line is the heartbeat. ' +
        'Reconnect with Last-Event-ID (or since=) to resume with no gap and no duplicate. WebSocket: see the protocol in the README.',
      tags: ['events'],
      querystring: Type.Object({ ...filterQuerySchema, ...subscribeSettings }, { additionalProperties: false }),
      headers: Type.Object({ 'last-event-id': Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$', description: 'Resume after this seq (sent by a reconnecting EventSource).' })) }),
      response: { 200: { description: 'An endless text/event-stream.', content: { 'text/event-stream': { schema: { type: 'string' } } } } },
    },
  }, async (request, reply) => {
    hub.admit();
    const { since, buffer, format, ...filterQuery } = request.query;
    const filter = compileFilter(filterFromQuery(filterQuery));
    const lastEventId = request.headers['last-event-id'];
    const cursor = lastEventId !== undefined ? Number(lastEventId) : since;
    if (cursor !== undefined && !Number.isSafeInteger(cursor)) throw new FsevdError('FSEVD_E_BAD_REQUEST', 'Last-Event-ID must be an event seq');
    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      // Reverse proxies (nginx) must pass events through as they come.
      'x-accel-buffering': 'no',
    });
    const connection = new SseConnection(hub, response);
    const subscription = new Subscription({ id: SSE_SUBSCRIPTION, filter, buffer: buffer ?? DEFAULT_BUFFER, format: format ?? 'fsevd' }, connection);
    connection.subscriptions.set(SSE_SUBSCRIPTION, subscription);
    hub.add(connection);
    const from = subscription.start(hub.history, cursor);
    response.write(`retry: ${RECONNECT_MS}\n: fsevd stream of ${app.fsevd.node}, events after seq ${from}\n\n`);
  });
};
