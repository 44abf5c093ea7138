/**
 * @module api/routes/thresholds
 * The threshold configuration, the REST counterpart of /sys/fs/events/config:
 * - GET /api/v1/thresholds: JSON (version, the proposal's read format, the entries as requests,
 *   the defaults), or the read format alone as text/plain (`Accept: text/plain` or `?format=text`);
 *   the ETag is the version.
 * - POST (admin): applies requests (`MOUNT [G] [T L1 [L2]]`, `!MOUNT [TYPE]`, empty = clear all;
 *   `;` or newlines between them) to the current configuration; PUT (admin) replaces it with them.
 *   Validated whole, applied whole or not at all: a 400 names every bad request and why. With
 *   `If-Match: "VERSION"` a write applies only to that version (412 otherwise), so two clients
 *   that read, edit and write back cannot overwrite each other unnoticed.
 * Bodies are text/plain (the requests) or JSON `{"requests": "..."}`.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { FsevdError } from '../../errors.ts';
import { requireRole } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { errorSchema } from '../schemas/event.ts';

/** Largest write accepted, like the kernel's one page per write chunk but roomier. */
const MAX_REQUEST_CHARS = 64 * 1024;

const documentSchema = Type.Object({
  version: Type.Integer({ description: 'Changes with every applied write; send it back in If-Match.' }),
  text: Type.String({ description: 'The read format of /sys/fs/events/config: "<mount> <fstype> <device> (<G,T[,I]> <L1> <L2>[ <IL1> <IL2>])" per entry.' }),
  lines: Type.Array(Type.String(), { description: 'Each entry as the request that recreates it.' }),
  defaults: Type.String({ description: 'Levels of mounts without an entry (config thresholds.defaults).' }),
  kernelManaged: Type.Array(Type.String(), { description: 'Entries whose block levels the kernel evaluates (/sys/fs/events/config).' }),
});

const writeResultSchema = Type.Object({
  version: Type.Integer(),
  kernel: Type.Object({
    present: Type.Boolean({ description: 'Whether /sys/fs/events/config exists on this kernel.' }),
    written: Type.Array(Type.String()),
    skipped: Type.Array(Type.Object({ request: Type.String(), why: Type.String() })),
    failed: Type.Optional(Type.Object({ request: Type.String(), error: Type.String() })),
  }),
});

const writeSchema = {
  tags: ['thresholds'],
  headers: Type.Object({ 'if-match': Type.Optional(Type.String({ description: 'Apply only to this version ("VERSION" as in the ETag).' })) }),
  body: {
    content: {
      'text/plain': { schema: Type.String({ maxLength: MAX_REQUEST_CHARS }) },
      'application/json': { schema: Type.Object({ requests: Type.String({ maxLength: MAX_REQUEST_CHARS }) }, { additionalProperties: false }) },
    },
  },
  response: { 200: writeResultSchema, 400: errorSchema, 401: errorSchema, 403: errorSchema, 412: errorSchema },
};

type WriteRoute = { Body: string | { requests: string }; Headers: { 'if-match'?: string } };

/** The thresholds routes. */
export const thresholds: FastifyPluginAsync = async (app) => {
  app.get<{ Querystring: { format?: 'json' | 'text' } }>('/api/v1/thresholds', {
    schema: {
      summary: 'The threshold configuration (JSON, or the read format of /sys/fs/events/config as text/plain)',
      tags: ['thresholds'],
      querystring: Type.Object({ format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('text')])) }, { additionalProperties: false }),
      response: { 200: documentSchema, 404: errorSchema },
    },
  }, async (request, reply) => {
    const document = storeOf(app.fsevd).document();
    void reply.header('etag', `"${document.version}"`);
    const accept = request.headers.accept ?? '';
    if (request.query.format === 'text' || (request.query.format === undefined && accept.startsWith('text/plain'))) {
      return reply.type('text/plain; charset=utf-8').send(document.text);
    }
    return document;
  });

  const write = (replace: boolean) => async (request: FastifyRequest<WriteRoute>, reply: FastifyReply) => {
    const text = typeof request.body === 'string' ? request.body : request.body.requests;
    const ifMatch = parseIfMatch(request.headers['if-match']);
    const result = await storeOf(app.fsevd).write(text, { replace, ...(ifMatch === undefined ? {} : { ifMatch }) });
    request.log.info({ replace, requests: text.slice(0, 200), version: result.version }, 'Thresholds changed');
    void reply.header('etag', `"${result.version}"`);
    return result;
  };
  app.post<WriteRoute>('/api/v1/thresholds', { preHandler: requireRole('admin'), schema: { ...writeSchema, summary: 'Apply requests to the threshold configuration (like writing to /sys/fs/events/config)' } }, write(false));
  app.put<WriteRoute>('/api/v1/thresholds', { preHandler: requireRole('admin'), schema: { ...writeSchema, summary: 'Replace the threshold configuration with these requests' } }, write(true));
};

function storeOf(context: ApiContext): NonNullable<ApiContext['thresholds']> {
  if (!context.thresholds) throw new FsevdError('FSEVD_E_NOT_FOUND', 'This daemon keeps no threshold configuration');
  return context.thresholds;
}

/** `"7"`, `W/"7"` or `7` → "7"; `*` → undefined (any version). */
function parseIfMatch(header: string | undefined): string | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"?([^"]*)"?\s*$/.exec(header);
  if (!match) throw new FsevdError('FSEVD_E_BAD_REQUEST', `If-Match ${JSON.stringify(header)} is not a version`);
  return match[1]!;
}
