/**
 * @module util/capabilities
 * The privileges the daemon runs with: which of the capabilities its sources use it holds (from
 * /proc/self/status), and keeping them from the programs it starts. Run as a non-root user with
 * ambient capabilities (README "Run without root"), every hook and scheduler command would
 * otherwise inherit CAP_SYS_ADMIN.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadNative } from '../native/binding.ts';

/** The capabilities fsevd's sources use, by bit number (linux/capability.h). */
export const SOURCE_CAPABILITIES = {
  /** statfs and fanotify marks of mount points under directories the user cannot search. */
  CAP_DAC_READ_SEARCH: 2,
  /** fanotify FAN_MARK_FILESYSTEM marks (FAN_FS_ERROR). */
  CAP_SYS_ADMIN: 21,
  /** /dev/kmsg when kernel.dmesg_restrict=1. */
  CAP_SYSLOG: 34,
} as const;

/** What the daemon logs about its privileges at start. */
export interface Privileges {
  /** Real user id. */
  uid: number;
  /** Which SOURCE_CAPABILITIES are effective. */
  capabilities: string[];
  /** What programs the daemon starts get: 'none', 'root' (a root daemon's children are root), or why they inherit the ambient set. */
  children: string;
}

/** Names of the SOURCE_CAPABILITIES set in a capability mask as /proc/<pid>/status prints it (hex). */
export function capabilityNames(hex: string): string[] {
  const mask = BigInt(`0x${hex}`);
  return Object.entries(SOURCE_CAPABILITIES)
    .filter(([, bit]) => ((mask >> BigInt(bit)) & 1n) === 1n)
    .map(([name]) => name);
}

/**
 * Empties the ambient and inheritable sets of the calling thread (call it from the JS thread,
 * which is the one that starts child processes) and reports the daemon's privileges. Never throws.
 */
export async function restrictChildCapabilities(proc = '/proc'): Promise<Privileges> {
  const uid = process.getuid?.() ?? -1;
  const native = loadNative();
  let children = uid === 0 ? 'root' : 'none';
  if (!native.ok) children = `inherit the ambient set: ${native.reason}`;
  else if (typeof native.native.restrictChildCapabilities !== 'function') children = 'inherit the ambient set: the native addon predates restrictChildCapabilities (rebuild it)';
  else {
    try {
      native.native.restrictChildCapabilities();
    } catch (err) {
      children = `inherit the ambient set: ${(err as Error).message}`;
    }
  }
  const status = await readFile(join(proc, 'self/status'), 'utf8').catch(() => '');
  const effective = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  return { uid, capabilities: effective === undefined ? [] : capabilityNames(effective), children };
}
