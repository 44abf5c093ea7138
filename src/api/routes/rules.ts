/**
 * @module api/routes/rules
 * The rules engine over REST:
 * - GET /api/v1/rules: the rules file and its rules as written, every rule instance (idle with a
 *   cooldown or count window, pending a `for`, active, healing; why an undo is held), the pending
 *   actions, the last runs, what each rule did since start (events matched and resolving, fires,
 *   undos, the last match) and the counters (events evaluated and dropped, actions dropped,
 *   deduplicated matches).
 * - POST /api/v1/rules/reload (admin): reads the rules file again; applied whole, or refused with
 *   400 naming every problem while the rules in force stay.
 */
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import { FsevdError } from '../../errors.ts';
import { requireRole } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { errorSchema } from '../schemas/event.ts';

const statusSchema = Type.Object({
  file: Type.Optional(Type.String({ description: 'The rules file (config rules.file).' })),
  origin: Type.String(),
  dryRun: Type.Boolean(),
  rules: Type.Array(Type.Unknown(), { description: 'Each rule as written.' }),
  instances: Type.Array(Type.Unknown(), { description: 'Rule instances: rule, node, key, status (idle|pending|active|healing), since, firedAt, heldBecause.' }),
  activity: Type.Record(Type.String(), Type.Object({
    matched: Type.Integer(),
    resolving: Type.Integer(),
    fired: Type.Integer(),
    undone: Type.Integer(),
    lastMatch: Type.Optional(Type.Object({ seq: Type.Integer(), time: Type.String(), node: Type.String(), type: Type.String() })),
  }), { description: 'Per rule in force, since the daemon started: events its match accepted (deduplicated ones too), events its resolve accepted, fires and undos queued, the last event it matched.' }),
  pending: Type.Array(Type.Unknown(), { description: 'Actions waiting or running: rule, actionType, phase, key, node, status, attempts, eventSeq.' }),
  recent: Type.Array(Type.Unknown(), { description: 'The last finished runs: time, rule, action, phase, key, node, outcome, detail, durationMs.' }),
  counters: Type.Record(Type.String(), Type.Integer()),
});

/** The rules routes. */
export const rules: FastifyPluginAsync = async (app) => {
  app.get('/api/v1/rules', {
    schema: { summary: 'Rules, their instances and pending actions', tags: ['rules'], response: { 200: statusSchema, 404: errorSchema } },
  }, async () => rulesOf(app.fsevd).status());

  app.post('/api/v1/rules/reload', {
    preHandler: requireRole('admin'),
    schema: { summary: 'Read the rules file again (whole or not at all)', tags: ['rules'], response: { 200: Type.Object({ rules: Type.Integer() }), 400: errorSchema, 401: errorSchema, 403: errorSchema } },
  }, async (request) => {
    const result = await rulesOf(app.fsevd).reload();
    request.log.info(result, 'Rules reloaded');
    return result;
  });
};

function rulesOf(context: ApiContext): NonNullable<ApiContext['rules']> {
  if (!context.rules) throw new FsevdError('FSEVD_E_NOT_FOUND', 'This daemon runs no rules engine');
  return context.rules;
}
