/**
 * @module api/schemas/event
 * JSON schemas of what the API returns about events and mounts; they validate responses,
 * speed up serialisation and feed the OpenAPI document.
 */
import { Type } from '@sinclair/typebox';
import { eventTypes } from '../../collector/events.ts';
import { probeStatusSchema, spaceSampleSchema, thresholdStatusSchema, unavailabilitySchema } from './space.ts';

const identity = {
  mountpoint: Type.Optional(Type.String()),
  device: Type.Optional(Type.String()),
  fstype: Type.Optional(Type.String()),
  major: Type.Optional(Type.Integer()),
  minor: Type.Optional(Type.Integer()),
  mountId: Type.Optional(Type.Integer()),
  uuid: Type.Optional(Type.String()),
};

/** One event as published (DESIGN.md "The event"). */
export const eventSchema = Type.Object({
  seq: Type.Integer({ minimum: 1 }),
  time: Type.String({ format: 'date-time' }),
  node: Type.String(),
  type: Type.Union(eventTypes.map((t) => Type.Literal(t))),
  code: Type.Integer(),
  class: Type.String(),
  severity: Type.String(),
  transient: Type.Boolean(),
  ...identity,
  sources: Type.Array(Type.String()),
  count: Type.Integer({ minimum: 1 }),
  data: Type.Object({}, { additionalProperties: true }),
});

/** Current state of one mount. */
export const mountStateSchema = Type.Object({
  mountpoint: Type.String(),
  device: Type.String(),
  fstype: Type.String(),
  major: Type.Integer(),
  minor: Type.Integer(),
  mountId: Type.Integer(),
  uuid: Type.Optional(Type.String()),
  root: Type.String(),
  mountOptions: Type.Array(Type.String()),
  superOptions: Type.Array(Type.String()),
  readOnly: Type.Boolean(),
  readOnlyByError: Type.Optional(Type.Boolean({ description: 'The kernel made it read-only after an error (ERR_REMOUNT_RO), even if the mount table still says rw.' })),
  shutdown: Type.Optional(Type.Boolean({ description: 'The filesystem shut down (FS_SHUTDOWN); all I/O fails until it is unmounted.' })),
  available: Type.Boolean(),
  availableSince: Type.String(),
  lastError: Type.Optional(Type.Object({ time: Type.String(), type: Type.String(), seq: Type.Integer(), errno: Type.Optional(Type.Integer()) })),
  lastEventTime: Type.Optional(Type.String()),
  counters: Type.Record(Type.String(), Type.Integer()),
  unavailable: Type.Optional(unavailabilitySchema),
  space: Type.Optional(spaceSampleSchema),
  thresholds: Type.Optional(thresholdStatusSchema),
  probe: Type.Optional(probeStatusSchema),
});

/** Health of one source. */
export const sourceHealthSchema = Type.Object({
  name: Type.String(),
  state: Type.String(),
  reason: Type.Optional(Type.String()),
  lastEventTime: Type.Optional(Type.String()),
  emitted: Type.Integer(),
  lost: Type.Integer(),
  detail: Type.Optional(Type.Object({}, { additionalProperties: true })),
});

/** Every error response. */
export const errorSchema = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String(),
  error: Type.String(),
  message: Type.String(),
});
