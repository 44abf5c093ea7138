/**
 * @module cluster/metrics
 * The Prometheus view of the cluster subscriber (GET /metrics on its own port), on a registry it is
 * given (never prom-client's global one). Per node (labels address, node = scheduler name):
 * connected, unreachable, lag seconds, cursor, events received and handled. Cluster-wide: nodes by
 * state, action runs by rule, action and outcome, rule instances active (what it has drained and
 * not resumed), incidents open by level and totals, fires held by incident caps, unreachable-node
 * drains. Everything is read from the components at scrape time.
 */
import { collectDefaultMetrics, Counter, Gauge, type Registry } from 'prom-client';
import type { HookRun } from '../api/metrics/index.ts';
import type { FollowerState } from './follower.ts';

/** What the metrics read at scrape time. */
export interface ClusterMetricsInputs {
  followers(): FollowerState[];
  unreachable(address: string): boolean;
  activeInstances(): number;
  incidentsOpen(level: 'node' | 'cluster'): number;
  incidentTotals(): { opened: number; clusterLevel: number; held: number };
}

/** Registers the cluster families; returns the recorders the components call. */
export function registerClusterMetrics(registry: Registry, inputs: ClusterMetricsInputs): { actionRun: (run: HookRun) => void; unreachableDrain: (outcome: string) => void } {
  collectDefaultMetrics({ register: registry, prefix: 'fsevd_cluster_' });
  const perNode = <T extends string>(name: string, help: string, value: (s: FollowerState) => number, type: 'gauge' | 'counter' = 'gauge') => {
    const Metric = type === 'gauge' ? Gauge : Counter;
    return new Metric<T>({
      name, help, labelNames: ['address', 'node'] as unknown as T[], registers: [registry],
      collect(this: Gauge<T> | Counter<T>) {
        this.reset();
        for (const state of inputs.followers()) {
          const labels = { address: state.address, node: state.schedulerName } as Record<T, string>;
          if (this instanceof Gauge) this.set(labels, value(state));
          else this.inc(labels, value(state));
        }
      },
    });
  };
  perNode('fsevd_cluster_node_connected', '1 while the stream of the node\'s fsevd is open.', (s) => (s.connected ? 1 : 0));
  perNode('fsevd_cluster_node_unreachable', '1 while the node is reported unreachable (stream down longer than unreachable.afterSeconds).', (s) => (inputs.unreachable(s.address) ? 1 : 0));
  perNode('fsevd_cluster_node_lag_seconds', 'Age of the oldest event of the node received and not yet handled (0 when caught up).', (s) => s.lagSeconds);
  perNode('fsevd_cluster_node_cursor', 'Seq of the node\'s last event handled durably (the resume point).', (s) => s.cursor ?? 0);
  perNode('fsevd_cluster_node_events_received_total', 'Events received from the node since the subscriber started.', (s) => s.eventsReceived, 'counter');
  perNode('fsevd_cluster_node_events_handled_total', 'Events of the node handed to the rules and committed.', (s) => s.eventsHandled, 'counter');
  new Gauge({
    name: 'fsevd_cluster_nodes', help: 'Followed nodes by state.', labelNames: ['state'], registers: [registry],
    collect() {
      const states = inputs.followers();
      const unreachable = states.filter((s) => inputs.unreachable(s.address)).length;
      this.set({ state: 'connected' }, states.filter((s) => s.connected).length);
      this.set({ state: 'disconnected' }, states.filter((s) => !s.connected).length - unreachable);
      this.set({ state: 'unreachable' }, unreachable);
    },
  });
  new Gauge({ name: 'fsevd_cluster_rule_instances_active', help: 'Rule instances that fired and are not undone (nodes drained by this subscriber and not resumed).', registers: [registry], collect() { this.set(inputs.activeInstances()); } });
  new Gauge({
    name: 'fsevd_cluster_incidents_open', help: 'Open incidents by level (cluster: one filesystem bad on incidents.minNodes or more nodes).', labelNames: ['level'], registers: [registry],
    collect() { for (const level of ['node', 'cluster'] as const) this.set({ level }, inputs.incidentsOpen(level)); },
  });
  const totals = (name: string, help: string, pick: (t: ReturnType<ClusterMetricsInputs['incidentTotals']>) => number) =>
    new Counter({ name, help, registers: [registry], collect() { this.reset(); this.inc(pick(inputs.incidentTotals())); } });
  totals('fsevd_cluster_incidents_total', 'Incidents opened.', (t) => t.opened);
  totals('fsevd_cluster_incidents_cluster_level_total', 'Incidents that reached cluster level.', (t) => t.clusterLevel);
  totals('fsevd_cluster_incident_held_total', 'Nodes whose actions an incident cap held back.', (t) => t.held);
  const runs = new Counter({ name: 'fsevd_cluster_action_runs_total', help: 'Finished rule actions (drains, resumes, hooks) by rule, action and outcome.', labelNames: ['rule', 'action', 'outcome'], registers: [registry] });
  const drains = new Counter({ name: 'fsevd_cluster_unreachable_drains_total', help: 'Drain actions run for unreachable nodes, by outcome.', labelNames: ['outcome'], registers: [registry] });
  return {
    actionRun: (run) => runs.inc({ rule: run.rule, action: run.action, outcome: run.outcome }),
    unreachableDrain: (outcome) => drains.inc({ outcome }),
  };
}
