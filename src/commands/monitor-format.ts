/**
 * @module commands/monitor-format
 * How `fsevd monitor` prints an event: one line, like `udevadm monitor`:
 * `TIME [SEQ] SEVERITY TYPE MOUNTPOINT (FSTYPE DEVICE) key=value…`. A mount point or value with
 * spaces, quotes or control characters is printed as a JSON string, so every line stays one line
 * and can be parsed back.
 */
import type { FsEvent } from '../collector/types.ts';

/** The readable line of an event (no trailing newline). */
export function formatEvent(event: FsEvent): string {
  const parts = [event.time, `[${event.seq}]`, event.severity.padEnd(8), event.type];
  if (event.mountpoint !== undefined) parts.push(quoted(event.mountpoint));
  if (event.fstype !== undefined || event.device !== undefined) parts.push(`(${[event.fstype, event.device].filter((v) => v !== undefined).map((v) => quoted(v!)).join(' ')})`);
  if (event.count > 1) parts.push(`x${event.count}`);
  parts.push(`source=${event.sources.join(',')}`);
  for (const [key, value] of Object.entries(event.data ?? {})) parts.push(`${key}=${typeof value === 'string' ? quoted(value) : JSON.stringify(value)}`);
  return parts.join(' ');
}

/** The text as is when it is one plain word, else as a JSON string. */
function quoted(text: string): string {
  return /^[^\s"\\\p{C}]+$/u.test(text) ? text : JSON.stringify(text);
}
