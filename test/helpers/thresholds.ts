/**
 * Helpers for threshold and availability tests: a daemon started with a config file that holds an
 * admin token, and the threshold API called with it.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { FsEvent, MountState } from '../../src/collector/types.ts';
import { startDaemon, type DaemonProcess } from './daemon.ts';

/** The admin token the helper's daemons accept. */
export const ADMIN_TOKEN = 'test-admin-token-0123456789';

/** Starts a daemon whose config (JSON is YAML) is `settings` plus an admin token; state in `dir`/state. */
export async function startConfiguredDaemon(t: TestContext, dir: string, settings: Record<string, unknown>): Promise<DaemonProcess> {
  const file = join(dir, 'fsevd.json');
  await writeFile(file, JSON.stringify({ ...settings, api: { tokens: [{ name: 'test', role: 'admin', token: ADMIN_TOKEN }] } }));
  return startDaemon(t, join(dir, 'state'), ['--config', file]);
}

/** POSTs (or PUTs) requests to /api/v1/thresholds; returns the status and body. */
export async function writeThresholds(daemon: DaemonProcess, text: string, options: { method?: 'POST' | 'PUT'; ifMatch?: string; token?: string | null } = {}): Promise<{ status: number; body: Record<string, unknown>; etag: string | null }> {
  const headers: Record<string, string> = { 'content-type': 'text/plain' };
  const token = options.token === undefined ? ADMIN_TOKEN : options.token;
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.ifMatch) headers['if-match'] = options.ifMatch;
  const response = await fetch(`${daemon.url}/api/v1/thresholds`, { method: options.method ?? 'POST', headers, body: text });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, etag: response.headers.get('etag') };
}

/** The state of the mount at `mountpoint`, if listed. */
export async function mountAt(daemon: DaemonProcess, mountpoint: string): Promise<MountState | undefined> {
  const { mounts } = await daemon.get<{ mounts: MountState[] }>('/api/v1/mounts');
  return mounts.find((m) => m.mountpoint === mountpoint);
}

/** Events of the given types on `mountpoint` after `since`. */
export async function eventsOn(daemon: DaemonProcess, mountpoint: string, types: readonly string[], since = 0): Promise<FsEvent[]> {
  return (await daemon.events(since)).filter((e) => e.mountpoint === mountpoint && types.includes(e.type));
}
