/**
 * Helpers for the kernel fault scenarios in test/kernel/: a daemon with a test config, waiting for
 * the events of one mount, grouping them into faults (first event + follow-ups, see
 * src/collector/pipeline/correlate.ts), and tagged data files whose blocks can be found in a
 * filesystem image to damage them.
 */
import { open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { FsEvent, MountState, SourceHealth } from '../../src/collector/types.ts';
import { startDaemon, type DaemonProcess } from './daemon.ts';
import { waitFor } from './system.ts';

/** Starts a daemon whose config is `config` (JSON), in `dir`/state. */
export async function startDaemonWith(t: TestContext, dir: string, config: Record<string, unknown>): Promise<DaemonProcess> {
  const file = join(dir, 'fsevd.json');
  await writeFile(file, JSON.stringify(config));
  return startDaemon(t, join(dir, 'state'), ['--config', file]);
}

/** The daemon's view of a mount point, once it knows it. */
export async function mountState(daemon: DaemonProcess, mountpoint: string): Promise<MountState> {
  return waitFor(`the daemon to know ${mountpoint}`, async () => (await daemon.get<{ mounts: MountState[] }>('/api/v1/mounts')).mounts.find((m) => m.mountpoint === mountpoint));
}

/** Events of one mount (and types) after `since`. */
export async function eventsOf(daemon: DaemonProcess, mountpoint: string, types: readonly string[], since = 0): Promise<FsEvent[]> {
  return (await daemon.events(since)).filter((e) => e.mountpoint === mountpoint && types.includes(e.type));
}

/** One fault as published: its first event and the follow-ups that refer to it. */
export interface Fault {
  first: FsEvent;
  followUps: FsEvent[];
  /** Every source that reported it. */
  sources: Set<string>;
  /** Every report folded into it. */
  count: number;
}

/** Groups events into faults by data.incident.seq. */
export function faults(events: readonly FsEvent[]): Fault[] {
  const out: Fault[] = [];
  for (const event of events) {
    const incident = event.data.incident as { seq?: number } | undefined;
    const fault = incident?.seq !== undefined ? out.find((f) => f.first.seq === incident.seq) : undefined;
    if (fault) {
      fault.followUps.push(event);
      for (const source of event.sources) fault.sources.add(source);
      fault.count += event.count;
    } else {
      out.push({ first: event, followUps: [], sources: new Set(event.sources), count: event.count });
    }
  }
  return out;
}

/** Health of one source of the daemon. */
export async function sourceHealth(daemon: DaemonProcess, name: string): Promise<(SourceHealth & { name: string }) | undefined> {
  return (await daemon.get<{ sources: Array<SourceHealth & { name: string }> }>('/api/v1/sources')).sources.find((s) => s.name === name);
}

/** True when the fanotify source (built by another issue) is registered, up, and has marked this mount. */
export async function fanotifyWatches(daemon: DaemonProcess, mountpoint: string): Promise<boolean> {
  const health = await sourceHealth(daemon, 'fanotify');
  if (health?.state !== 'up') return false;
  const marked = async () => {
    const detail = (await sourceHealth(daemon, 'fanotify'))?.detail as { superblocks?: Array<{ mountpoint: string; state: string }> } | undefined;
    // Without a per-mount detail there is nothing to wait for.
    if (!detail?.superblocks) return true;
    return detail.superblocks.some((sb) => sb.mountpoint === mountpoint && sb.state === 'marked') ? true : undefined;
  };
  return (await waitFor(`fanotify to mark ${mountpoint}`, marked, 5000).catch(() => false)) === true;
}

/** Block size of the tagged files: the unit btrfs checksums and the scenarios damage. */
export const BLOCK = 4096;

/** Writes `blocks` blocks, each filled with its own tag ("FSEV<prefix>BLK000005|…"). */
export async function writeTaggedFile(path: string, prefix: string, blocks: number): Promise<void> {
  const parts: Buffer[] = [];
  for (let i = 0; i < blocks; i++) parts.push(Buffer.alloc(BLOCK, tagOf(prefix, i)));
  await writeFile(path, Buffer.concat(parts));
}

/** The tag of block `i`. */
export function tagOf(prefix: string, i: number): string {
  return `FSEV${prefix}BLK${String(i).padStart(6, '0')}|`;
}

/** Byte offset of the block tagged `tag` in an image, or undefined (blocks are block-aligned). */
export async function findBlock(image: string, tag: string): Promise<number | undefined> {
  const bytes = await readFile(image);
  for (let at = bytes.indexOf(tag); at >= 0; at = bytes.indexOf(tag, at + 1)) if (at % BLOCK === 0) return at;
  return undefined;
}

/** Overwrites one block of an image in place (its checksum no longer matches). */
export async function damageBlock(image: string, offset: number): Promise<void> {
  const file = await open(image, 'r+');
  try {
    await file.write(Buffer.alloc(BLOCK, 'Z'), 0, BLOCK, offset);
    await file.sync();
  } finally {
    await file.close();
  }
}
