/**
 * @module api/schemas/space
 * JSON schemas of the statfs side of a mount's state: space figures, threshold levels and
 * position, the probe, and why a mount is unavailable (collector/types.ts SpaceSample,
 * ThresholdStatus, ProbeStatus, Unavailability).
 */
import { Type } from '@sinclair/typebox';

/** MountState.space. */
export const spaceSampleSchema = Type.Object({
  time: Type.String({ description: 'When statfs produced these figures.' }),
  sizeBytes: Type.Number(),
  availBytes: Type.Number({ description: 'Available to unprivileged users (f_bavail); what thresholds are about.' }),
  freeBytes: Type.Number({ description: 'Free including the root reserve (f_bfree).' }),
  inodes: Type.Number(),
  inodesFree: Type.Number(),
  blockBytes: Type.Optional(Type.Number({ description: 'f_frsize: the unit of decimal block levels.' })),
  timeToFullSeconds: Type.Optional(Type.Number({ description: 'At the fill rate of the last minute or so; absent when not filling.' })),
});

const levelsSchema = Type.Object({
  l1: Type.String(),
  l2: Type.String(),
  l1Value: Type.Number({ description: 'L1 in bytes (blocks) or inodes.' }),
  l2Value: Type.Number(),
  position: Type.Union([Type.Literal('armed'), Type.Literal('below-l1'), Type.Literal('below-l2')]),
});

/** MountState.thresholds. */
export const thresholdStatusSchema = Type.Object({
  origin: Type.Union([Type.Literal('entry'), Type.Literal('default')]),
  entry: Type.Optional(Type.String()),
  blocks: Type.Optional(levelsSchema),
  inodes: Type.Optional(levelsSchema),
  kernel: Type.Optional(Type.Boolean()),
});

/** MountState.probe. */
export const probeStatusSchema = Type.Object({
  class: Type.String(),
  intervalMs: Type.Integer(),
  timeoutMs: Type.Integer(),
  lastAnswer: Type.Optional(Type.String()),
  pendingSince: Type.Optional(Type.String()),
  timeouts: Type.Integer(),
  lastError: Type.Optional(Type.String()),
  flapping: Type.Optional(Type.Boolean()),
});

/** MountState.unavailable. */
export const unavailabilitySchema = Type.Object({
  kind: Type.Union([Type.Literal('transient'), Type.Literal('permanent')]),
  reason: Type.String(),
  sources: Type.Array(Type.String()),
});
