/**
 * @module api/metrics/node-metrics
 * The daemon-wide families, on the daemon's own prom-client Registry: build info, mounts watched,
 * events by type/class/source (counted from the live stream), each source's up state,
 * observations and losses, and the journal's size. Everything is read from what the daemon
 * already holds; nothing here touches a mount.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { FsEvent, SourceHealth } from '../../collector/types.ts';
import { CappedChildren, OVERFLOW_LABEL } from './capped-children.ts';

/** What the daemon-wide families read. */
export interface NodeMetricsInputs {
  node: string;
  version: string;
  sources(): Array<SourceHealth & { name: string }>;
  journalSizeBytes(): number;
}

/** A counter whose value is read from a cumulative figure the daemon keeps (reset, then filled, per scrape). */
function collectedCounter(registry: Registry, name: string, help: string, read: () => Array<[label: string, value: number]>, labelName: string): void {
  new Counter({
    name,
    help,
    labelNames: [labelName],
    registers: [registry],
    collect() {
      this.reset();
      for (const [label, value] of read()) this.inc({ [labelName]: label }, value);
    },
  });
}

/** Registers the daemon-wide families; returns the per-event counting function and the mounts gauge. */
export function registerNodeMetrics(registry: Registry, inputs: NodeMetricsInputs): { countEvents(batch: readonly FsEvent[]): void; mounts: Gauge } {
  new Gauge({ name: 'fsevd_build_info', help: 'Always 1; labels name the fsevd version and the node name it puts in events.', labelNames: ['version', 'node'], registers: [registry] })
    .set({ version: inputs.version, node: inputs.node }, 1);
  const mounts = new Gauge({ name: 'fsevd_mounts', help: 'Mounts in the mount table (before stacked duplicates are merged into one series).', registers: [registry] });
  new Gauge({
    name: 'fsevd_source_up',
    help: 'Whether each enabled source is up (1) or starting, down or stopped (0); the reason is in GET /api/v1/sources.',
    labelNames: ['source'],
    registers: [registry],
    collect() {
      this.reset();
      for (const source of inputs.sources()) this.set({ source: source.name }, source.state === 'up' ? 1 : 0);
    },
  });
  collectedCounter(registry, 'fsevd_source_observations_total', 'Observations each source emitted since the daemon started.', () => inputs.sources().map((s) => [s.name, s.emitted]), 'source');
  collectedCounter(registry, 'fsevd_source_events_lost_total', 'Records each source knows it lost (kernel overruns, sequence gaps, queue drops) since the daemon started.', () => inputs.sources().map((s) => [s.name, s.lost]), 'source');
  new Gauge({
    name: 'fsevd_journal_size_bytes',
    help: 'Bytes of the event journal on disk.',
    registers: [registry],
    collect() {
      this.set(inputs.journalSizeBytes());
    },
  });
  const events = new Counter({ name: 'fsevd_events_total', help: 'Published events by type, class and reporting source (coalesced repeats counted; an event two sources reported counts for each).', labelNames: ['type', 'class', 'source'], registers: [registry] });
  const children = new CappedChildren((labels: { type: string; class: string; source: string }) => events.labels(labels));
  const overflow = (labels: { type: string; class: string; source: string }) => ({ ...labels, source: OVERFLOW_LABEL });
  return {
    mounts,
    countEvents(batch) {
      for (const event of batch) {
        // A counter must never go down (prom-client throws): a malformed count is taken as one event.
        const count = Number.isFinite(event.count) && event.count > 0 ? event.count : 1;
        for (const source of event.sources) children.get({ type: event.type, class: event.class, source }, overflow).inc(count);
      }
    },
  };
}
