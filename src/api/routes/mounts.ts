/**
 * @module api/routes/mounts
 * GET /api/v1/mounts and /api/v1/mounts/:mountId: the current state of mounts, from memory (never
 * touching a filesystem, so a hung mount cannot stall the answer).
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { FsevdError } from '../../errors.ts';
import { errorSchema, mountStateSchema } from '../schemas/event.ts';

/** The mount routes. */
export const mounts: FastifyPluginAsync = async (app) => {
  app.get('/api/v1/mounts', {
    schema: { summary: 'Every mount and its health', tags: ['mounts'], response: { 200: Type.Object({ node: Type.String(), mounts: Type.Array(mountStateSchema) }) } },
  }, async () => ({ node: app.fsevd.node, mounts: app.fsevd.mounts() }));

  app.get<{ Params: { mountId: number } }>('/api/v1/mounts/:mountId', {
    schema: {
      summary: 'One mount, by kernel mount id',
      tags: ['mounts'],
      params: Type.Object({ mountId: Type.Integer({ minimum: 0 }) }),
      response: { 200: mountStateSchema, 404: errorSchema },
    },
  }, async (request) => {
    const mount = app.fsevd.mount(request.params.mountId);
    if (!mount) throw new FsevdError('FSEVD_E_NOT_FOUND', `No mount with id ${request.params.mountId}`);
    return mount;
  });
};
