/**
 * Shared helpers of the journal tests: event factory, temp dirs, a log capture.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { pino, type Logger } from 'pino';
import type { FsEvent } from '../../../src/collector/types.ts';

/** A well-formed event with the given seq; payload varies with seq so records differ in size. */
export function makeEvent(seq: number, extra: Partial<FsEvent> = {}): FsEvent {
  return {
    seq,
    time: new Date(1_700_000_000_000 + seq * 1000).toISOString(),
    node: 'node-a',
    type: 'WARN_ENOSPC',
    code: 1,
    class: 'warning',
    severity: 'warning',
    transient: true,
    mountpoint: `/mnt/vol${seq % 3}`,
    device: '/dev/loop0',
    fstype: 'ext4',
    sources: ['statfs'],
    count: 1,
    data: { note: 'x'.repeat(seq % 17) },
    ...extra,
  };
}

/** Events with seqs from..to inclusive. */
export function makeEvents(from: number, to: number): FsEvent[] {
  const events: FsEvent[] = [];
  for (let seq = from; seq <= to; seq++) events.push(makeEvent(seq));
  return events;
}

/** A fresh temp dir, removed after the test. */
export async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fsevd-journal-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A pino logger whose records land in `lines` (parsed), for asserting on warnings. */
export function captureLog(): { log: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { log, lines };
}

/** The seqs of a list of events. */
export function seqs(events: readonly FsEvent[]): number[] {
  return events.map((e) => e.seq);
}

/** [from, ..., to]. */
export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}
