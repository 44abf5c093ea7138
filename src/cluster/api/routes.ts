/**
 * @module cluster/api/routes
 * The cluster subscriber's REST API (JSON), all under /api/v1/cluster:
 * - GET nodes: every followed node: address, fsevd and scheduler names, connected since, cursor,
 *   the node's last known seq, queued events, lag, counters, last error, unreachable;
 * - GET sources: each node source, whether its last read worked, how many nodes it lists;
 * - GET drains: what this subscriber holds: rule instances that fired and are not undone (node,
 *   rule, key, since, the event that fired them), unreachable nodes and their drain outcomes, and
 *   the recent action runs with their outcome and detail;
 * - GET incidents: open and recently closed incidents, with each node's health and whether its
 *   actions ran or the cap held them;
 * - GET rules: the rules engine's status;
 * - POST refresh (admin): read the node sources now; POST rules/reload (admin): reload the rules file.
 * Plus GET /metrics (Prometheus) and GET /healthz (public).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ClusterService } from '../index.ts';

/** The routes, bound to a running service. */
export function clusterRoutes(service: ClusterService): FastifyPluginAsync {
  return async (app) => {
    app.get('/healthz', { config: { public: true } }, async () => ({ status: 'ok' }));
    app.get('/api/v1/cluster/nodes', async () => ({
      nodes: service.followers().map((s) => ({
        ...s,
        cursor: s.cursor ?? null,
        since: new Date(s.since).toISOString(),
        unreachable: service.unreachable.has(s.address),
      })),
    }));
    app.get('/api/v1/cluster/sources', async () => ({ sources: service.membership.status() }));
    app.get('/api/v1/cluster/drains', async () => {
      const status = service.engine.status();
      const held = status.instances.filter((i) => i.status === 'active' || i.status === 'healing' || i.status === 'pending');
      return {
        instances: held.map((i) => ({ node: i.node, rule: i.rule, key: i.key, status: i.status, since: new Date(i.since).toISOString(), event: i.event, ...(i.heldBecause ? { heldBecause: i.heldBecause } : {}) })),
        unreachable: service.unreachable.list(),
        pending: status.pending,
        recent: status.recent,
      };
    });
    app.get('/api/v1/cluster/incidents', async () => ({ incidents: service.incidents.list() }));
    app.get('/api/v1/cluster/rules', async () => service.engine.status());
    app.post('/api/v1/cluster/refresh', async () => {
      await service.membership.refresh();
      return { nodes: service.membership.endpoints().length, sources: service.membership.status() };
    });
    app.post('/api/v1/cluster/rules/reload', async () => ({ rules: await service.reloadRules() }));
    app.get('/metrics', async (_request, reply) => reply.type(service.registry.contentType).send(await service.registry.metrics()));
  };
}
