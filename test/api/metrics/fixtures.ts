/**
 * Builders for the metrics tests: mount states as the pipeline produces them, events, and a fake
 * of the daemon facade whose mounts, sources and live stream the test drives. A fake is right
 * here: these tests check the text built from states; test/kernel/ checks it on a real daemon.
 */
import { eventRegistry, type EventType } from '../../../src/collector/events.ts';
import type { FsEvent, MountState, SourceHealth } from '../../../src/collector/types.ts';
import type { MetricsInputs } from '../../../src/api/metrics/index.ts';

/** A mount state with defaults for everything not given. */
export function mountState(fields: Partial<MountState> & { mountId: number; mountpoint: string }): MountState {
  return {
    device: `/dev/loop${fields.mountId}`,
    fstype: 'ext4',
    major: 7,
    minor: fields.mountId,
    root: '/',
    mountOptions: ['rw'],
    superOptions: ['rw'],
    readOnly: false,
    available: true,
    availableSince: '2026-11-23T00:00:00.000Z',
    counters: {},
    ...fields,
  };
}

/** An event of `type` on a mount. */
export function eventOn(mount: MountState, type: EventType, fields: Partial<FsEvent> = {}): FsEvent {
  const spec = eventRegistry[type];
  return {
    seq: 1,
    time: '2026-11-23T01:00:00.000Z',
    node: 'n1',
    type,
    code: spec.code,
    class: spec.class,
    severity: spec.severity,
    transient: spec.transient,
    mountpoint: mount.mountpoint,
    device: mount.device,
    fstype: mount.fstype,
    major: mount.major,
    minor: mount.minor,
    mountId: mount.mountId,
    sources: ['mountinfo'],
    count: 1,
    data: {},
    ...fields,
  };
}

/** A facade whose state the test sets, and a way to publish batches to its subscribers. */
export function fakeInputs(): {
  inputs: MetricsInputs;
  state: { mounts: MountState[]; sources: Array<SourceHealth & { name: string }>; journalBytes: number };
  publish(events: FsEvent[]): void;
} {
  const listeners = new Set<(events: readonly FsEvent[]) => void>();
  const state = { mounts: [] as MountState[], sources: [] as Array<SourceHealth & { name: string }>, journalBytes: 0 };
  return {
    state,
    inputs: {
      node: 'n1',
      version: '9.9.9',
      // Fresh copies each time, as Pipeline.mountStates() returns them.
      mounts: () => state.mounts.map((m) => ({ ...m, counters: { ...m.counters } })),
      sources: () => state.sources.map((s) => ({ ...s })),
      journalSizeBytes: () => state.journalBytes,
      subscribe(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    publish(events) {
      for (const listener of listeners) listener(events);
    },
  };
}

/** The samples of a family in an exposition text: label text → value. */
export function samplesOf(text: string, name: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const space = line.lastIndexOf(' ');
    samples.set(line.slice(name.length, space), Number(line.slice(space + 1)));
  }
  return samples;
}
