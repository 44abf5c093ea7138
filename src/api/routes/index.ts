/**
 * @module api/routes
 * Every route plugin, one line each.
 */
import type { FastifyPluginAsync } from 'fastify';
import { events } from './events.ts';
import { health } from './health.ts';
import { metrics } from './metrics.ts';
import { mounts } from './mounts.ts';
import { rules } from './rules.ts';
import { sources } from './sources.ts';
import { stream } from './stream.ts';
import { thresholds } from './thresholds.ts';
import { web } from './web.ts';

/** The registered route plugins. */
export const routes = { health, mounts, events, sources, metrics, stream, thresholds, web, rules } satisfies Record<string, FastifyPluginAsync>;
