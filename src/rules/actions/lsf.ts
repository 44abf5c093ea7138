/**
 * @module rules/actions/lsf
 * The `lsf` action (IBM Spectrum LSF): drains with `badmin hclose -C "fsevd: <reason>" HOST`
 * (closed_Adm: running jobs are not affected, nothing new is dispatched) and resumes with
 * `badmin hopen -C "resumed by fsevd" HOST` (a comment that is not ours, so a later admin close
 * without a comment cannot be mistaken for ours). It reads `bhosts -l HOST` first: the status
 * under the STATUS header and the `ADMIN ACTION COMMENT: "…"` line. unavail / unreach /
 * closed_LIM hosts are not touched; closed_Adm with a comment not starting with our prefix, and
 * closed_Lock (lsadmin limlock, which suspends jobs: never used by fsevd), are someone else's.
 * Needs an LSF administrator or root.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { ActionModule } from '../types.ts';
import { createCliAction, type CliSpec } from '../scheduler/cli-driver.ts';
import type { DrainOwner } from '../scheduler/drain-action.ts';
import { isOwnReason, markReason } from '../scheduler/marker.ts';
import { commonSettings, envSetting, programSetting } from '../scheduler/settings.ts';

/** Settings of an `lsf` action in a rule. */
export const configSchema = Type.Object(
  { ...commonSettings, badmin: programSetting('badmin'), bhosts: programSetting('bhosts'), env: envSetting },
  { additionalProperties: false },
);

/** Validated settings. */
export type LsfConfig = Static<typeof configSchema>;

/** The comment written on hopen: anything but our prefix as the first word. */
const RESUME_COMMENT = 'resumed by fsevd';
const DOWN_STATUSES = new Set(['unavail', 'unreach', 'closed_LIM']);

/** A host as `bhosts -l` shows it. */
export interface LsfHost {
  /** `ok`, `closed_Adm`, `unavail`, … */
  status: string;
  comment?: string;
}

/** Parses `bhosts -l HOST`; undefined without a STATUS header followed by a status line. */
export function parseBhosts(text: string): LsfHost | undefined {
  const lines = text.split('\n');
  const header = lines.findIndex((line) => /^STATUS\s/.test(line));
  const status = header < 0 ? undefined : lines[header + 1]?.trim().split(/\s+/, 1)[0];
  if (!status) return undefined;
  const comment = /^\s*ADMIN ACTION COMMENT:\s*"(.*)"\s*$/m.exec(text)?.[1];
  return { status, comment: comment || undefined };
}

/** Down, and who closed the host. */
export function judgeLsf(host: LsfHost, prefix: string): { down: boolean; drain: DrainOwner } {
  if (DOWN_STATUSES.has(host.status)) return { down: true, drain: 'none' };
  if (host.status === 'closed_Lock') return { down: false, drain: 'foreign' };
  if (host.status !== 'closed_Adm') return { down: false, drain: 'none' };
  return { down: false, drain: isOwnReason(prefix, host.comment) ? 'ours' : 'foreign' };
}

/** How the lsf action reads with bhosts and drains and resumes with badmin. */
export function lsfSpec(config: LsfConfig): CliSpec<LsfHost> {
  return {
    read: (node) => [[config.bhosts, '-l', node]],
    parse: ([shown]) => parseBhosts(shown ?? ''),
    judge: (host) => judgeLsf(host, config.reasonPrefix),
    describe: (host) => `STATUS ${host.status}${host.comment ? `, ADMIN ACTION COMMENT ${JSON.stringify(host.comment)}` : ''}`,
    drain: (node, reason) => [config.badmin, 'hclose', '-C', markReason(config.reasonPrefix, reason), node],
    resume: (node) => [config.badmin, 'hopen', '-C', RESUME_COMMENT, node],
    permanent: /Bad host name|not an LSF administrator|Permission denied|No such host/i,
  };
}

/** The action module. */
export const lsf = { configSchema, create: (config: LsfConfig) => createCliAction(lsfSpec(config), config) } satisfies ActionModule;
