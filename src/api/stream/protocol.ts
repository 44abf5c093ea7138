/**
 * @module api/stream/protocol
 * The WebSocket protocol (version 1) on /api/v1/stream: JSON text messages, one object each.
 *
 * Client → server (`op`):
 * - `{"op":"subscribe","id":"a","filter":{…},"since":SEQ,"buffer":N,"format":"fsevd"|"cloudevents"}`:
 *   `id` is the client's name for it (unique on the connection); `since` replays from the journal
 *   every matching event with seq > SEQ before going live (omit it for live only); `buffer` bounds
 *   the events queued for a subscriber that does not keep up (default 1000).
 * - `{"op":"unsubscribe","id":"a"}`; `{"op":"ping","data":ANY}` (answered by `pong` with the data).
 *
 * Server → client (`type`):
 * - `hello` {protocol, node, version, lastSeq, heartbeatSeconds} once on connect;
 * - `subscribed` {id, cursor, lastSeq}: events follow from seq > cursor;
 * - `events` {id, events: [...]}: in seq order, never repeated, several per message;
 * - `live` {id, cursor}: the replay is done, what follows is live;
 * - `lost` {id, count, fromSeq, toSeq, reason}: `overflow` (the queue was full) or `retention` (the
 *   journal no longer holds them); resume by subscribing again with since = the last seq received;
 * - `unsubscribed` {id}; `pong` {data}; `error` {id?, code, message}.
 * The server pings every heartbeatSeconds and drops a peer that missed a pong.
 */
import { Type, type Static } from '@sinclair/typebox';
import { filterSchema } from './filter.ts';
import { validator } from './validate.ts';

/** Version of this protocol, sent in `hello`. */
export const PROTOCOL_VERSION = 1;

/** Event encodings a subscriber may ask for. */
export const formats = ['fsevd', 'cloudevents'] as const;

/** An event encoding. */
export type Format = (typeof formats)[number];

/** Largest per-subscriber queue a client may ask for (events); default DEFAULT_BUFFER. */
export const MAX_BUFFER = 10_000;
/** Default per-subscriber queue: a few seconds of a storm, ~8 KiB of references when full. */
export const DEFAULT_BUFFER = 1000;

/** Subscription settings shared by the WebSocket `subscribe` message and SSE query parameters. */
export const subscribeSettings = {
  since: Type.Optional(Type.Integer({ minimum: 0, description: 'Replay matching events with seq greater than this from the journal, then go live. Omit for live only.' })),
  buffer: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_BUFFER, description: `Events queued for a slow subscriber before a lost notice (default ${DEFAULT_BUFFER}).` })),
  format: Type.Optional(Type.Union(formats.map((f) => Type.Literal(f)), { description: 'fsevd (default) or cloudevents (CloudEvents 1.0 JSON).' })),
};

const subscriptionId = Type.String({ minLength: 1, maxLength: 64 });

const messages = {
  subscribe: Type.Object({ op: Type.Literal('subscribe'), id: subscriptionId, filter: Type.Optional(filterSchema), ...subscribeSettings }, { additionalProperties: false }),
  unsubscribe: Type.Object({ op: Type.Literal('unsubscribe'), id: subscriptionId }, { additionalProperties: false }),
  ping: Type.Object({ op: Type.Literal('ping'), data: Type.Optional(Type.Unknown()) }, { additionalProperties: false }),
};

/** A valid client message. */
export type ClientMessage = { [K in keyof typeof messages]: Static<(typeof messages)[K]> }[keyof typeof messages];

const validators = Object.fromEntries(Object.entries(messages).map(([op, schema]) => [op, validator(schema)]));

/** Parses and validates one client message; returns it, or a one-line reason it was refused. */
export function parseClientMessage(text: string): ClientMessage | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: 'The message is not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { problem: 'The message must be a JSON object with an "op"' };
  const op = (value as { op?: unknown }).op;
  const validate = typeof op === 'string' && Object.hasOwn(validators, op) ? validators[op] : undefined;
  if (!validate) return { problem: `Unknown op ${JSON.stringify(op)}; expected one of ${Object.keys(messages).join(', ')}` };
  const problem = validate(value);
  return problem === undefined ? (value as ClientMessage) : { problem };
}

/** A server message with a `type` (serialised with JSON.stringify; events use the hub's cache). */
export function serverMessage(type: string, fields: Record<string, unknown>): string {
  return JSON.stringify({ type, ...fields });
}
