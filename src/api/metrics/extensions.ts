/**
 * @module api/metrics/extensions
 * Families whose figures other components supply: subscriber counts and drops (the WebSocket and
 * SSE transports register a reader) and hook runs (the rules engine reports each finished run,
 * through the daemon). The names, labels and buckets are defined here so that they stay
 * consistent with the rest of /metrics; the components only hand over numbers.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { CappedChildren, OVERFLOW_LABEL } from './capped-children.ts';

/** Transports that carry live events to subscribers. */
export type SubscriberTransport = 'websocket' | 'sse';

/** What a transport says about its subscribers; read at every scrape, so it must be cheap. */
export interface SubscriberStats {
  /** Subscribers connected now. */
  subscribers: number;
  /** Events never delivered to a subscriber (slow consumer, queue full), since the daemon started. */
  droppedEvents: number;
}

/** How a hook run ended. */
export type HookOutcome = 'success' | 'failure' | 'timeout' | 'dropped';

/** One finished hook run, as the rules engine reports it. */
export interface HookRun {
  /** Rule name from the configuration. */
  rule: string;
  /** Action name from the action registry (exec, webhook, slurm, …). */
  action: string;
  outcome: HookOutcome;
  /** Wall time from start to end of the run; 0 for a run that was dropped before it started. */
  durationSeconds: number;
}

/** Hook durations run from a fast webhook to a scheduler command that waits on a controller. */
const HOOK_DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** Registers the subscriber families; returns the function that adds a transport's reader. */
export function registerSubscriberMetrics(registry: Registry): (transport: SubscriberTransport, read: () => SubscriberStats) => () => void {
  const readers = new Map<SubscriberTransport, () => SubscriberStats>();
  const stats = () => [...readers].map(([transport, read]) => [transport, read()] as const);
  new Gauge({
    name: 'fsevd_subscribers',
    help: 'Live-event subscribers connected now, by transport.',
    labelNames: ['transport'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [transport, figures] of stats()) this.set({ transport }, figures.subscribers);
    },
  });
  new Counter({
    name: 'fsevd_subscriber_dropped_events_total',
    help: 'Events not delivered to a subscriber (slow consumer, queue full) since the daemon started, by transport.',
    labelNames: ['transport'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [transport, figures] of stats()) this.inc({ transport }, figures.droppedEvents);
    },
  });
  return (transport, read) => {
    readers.set(transport, read);
    return () => {
      if (readers.get(transport) === read) readers.delete(transport);
    };
  };
}

/** Registers the hook families; returns the function that records one finished run. */
export function registerHookMetrics(registry: Registry): (run: HookRun) => void {
  const runs = new Counter({ name: 'fsevd_hook_runs_total', help: 'Hook runs by rule, action and outcome since the daemon started.', labelNames: ['rule', 'action', 'outcome'], registers: [registry] });
  const durations = new Histogram({
    name: 'fsevd_hook_run_duration_seconds',
    help: 'Wall time of hook runs by rule and action.',
    labelNames: ['rule', 'action'],
    buckets: HOOK_DURATION_BUCKETS,
    registers: [registry],
  });
  type RunLabels = { rule: string; action: string; outcome: string };
  type DurationLabels = { rule: string; action: string };
  const runChildren = new CappedChildren((labels: RunLabels) => runs.labels(labels));
  const durationChildren = new CappedChildren((labels: DurationLabels) => durations.labels(labels));
  const overflow = <L extends { rule: string }>(labels: L): L => ({ ...labels, rule: OVERFLOW_LABEL });
  return (run) => {
    runChildren.get({ rule: run.rule, action: run.action, outcome: run.outcome }, overflow).inc();
    // A dropped run never started, and a malformed duration would poison the histogram's sum.
    if (run.outcome === 'dropped' || !Number.isFinite(run.durationSeconds)) return;
    durationChildren.get({ rule: run.rule, action: run.action }, overflow).observe(Math.max(0, run.durationSeconds));
  };
}
