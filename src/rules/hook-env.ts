/**
 * @module rules/hook-env
 * The `FSEVD_*` environment of a hook (the exec action), zed's `ZEVENT_*` in spirit. Values are
 * data, never code: they reach the hook through execve's envp, not a shell. Two things the
 * environment cannot carry are written visibly instead of silently: a NUL byte (dropped, C strings
 * end there) and a mount-path byte that is not UTF-8 (fsevd holds it as a lone surrogate; here it
 * becomes the text `\xNN`, as in /metrics). The exact bytes are in the JSON on stdin.
 */
import type { ActionRequest } from './types.ts';

/** Top-level data fields exported as FSEVD_DATA_<NAME>; more would crowd the environment. */
const MAX_DATA_VARIABLES = 32;
/** Longest value exported; the JSON on stdin has the rest. */
const MAX_VALUE_CHARS = 4096;

/** Event fields exported as FSEVD_<NAME>, in this order. */
const EVENT_VARIABLES = [
  ['SEQ', 'seq'], ['TIME', 'time'], ['EVENT_NODE', 'node'], ['TYPE', 'type'], ['CODE', 'code'], ['CLASS', 'class'], ['SEVERITY', 'severity'],
  ['MOUNTPOINT', 'mountpoint'], ['DEVICE', 'device'], ['FSTYPE', 'fstype'], ['MAJOR', 'major'], ['MINOR', 'minor'], ['MOUNT_ID', 'mountId'],
  ['UUID', 'uuid'], ['COUNT', 'count'],
] as const;

/** The FSEVD_* variables of a request. */
export function hookEnvironment(request: ActionRequest): Record<string, string> {
  const { event } = request;
  const env: Record<string, string> = {};
  const put = (name: string, value: unknown) => {
    if (value === undefined || value === null) return;
    env[`FSEVD_${name}`] = envSafe(typeof value === 'object' ? JSON.stringify(value) : String(value));
  };
  put('PHASE', request.phase);
  put('RULE', request.rule);
  put('KEY', request.key);
  put('NODE', request.node);
  put('REASON', request.reason);
  put('DRY_RUN', request.dryRun ? '1' : '0');
  for (const [name, field] of EVENT_VARIABLES) put(name, event[field]);
  put('TRANSIENT', event.transient ? '1' : '0');
  put('SOURCES', event.sources.join(','));
  let exported = 0;
  for (const [name, value] of Object.entries(event.data)) {
    if (exported >= MAX_DATA_VARIABLES) break;
    if (value !== null && typeof value === 'object') continue;
    const variable = name.toUpperCase().replace(/[^A-Z0-9]/g, '_');
    put(`DATA_${variable}`, value);
    exported++;
  }
  return env;
}

/** A string the environment can hold: no NUL, escaped surrogate bytes, bounded length. */
export function envSafe(value: string): string {
  // eslint-disable-next-line no-control-regex
  const text = value.replace(/\u0000/g, '').replace(/(?<![\ud800-\udbff])[\udc80-\udcff]/g, (c) => `\\x${(c.charCodeAt(0) - 0xdc00).toString(16).padStart(2, '0')}`);
  return text.length > MAX_VALUE_CHARS ? text.slice(0, MAX_VALUE_CHARS) : text;
}
