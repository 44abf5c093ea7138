/**
 * @module api/routes
 * Every route plugin, one line each.
 */
import type { FastifyPluginAsync } from 'fastify';
import { events } from './events.ts';
import { health } from './health.ts';
import { mounts } from './mounts.ts';
import { sources } from './sources.ts';

/** The registered route plugins. */
export const routes = { health, mounts, events, sources } satisfies Record<string, FastifyPluginAsync>;
