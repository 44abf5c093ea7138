/**
 * @module collector/thresholds/kernel
 * Write-through to the proposal's /sys/fs/events/config, on a kernel that has it: each accepted
 * request is translated to what the kernel understands (decimal available blocks, no `I`, no
 * escapes) and written with its own write(2), because the kernel applies a write's requests in
 * order and fails the rest with a bare EINVAL; one request per write says which one it refused.
 * fsevd's own configuration is already applied by then: the kernel's answer is reported, and the
 * entries it accepted are evaluated by the kernel (fsevd stops evaluating their block levels).
 */
import { access, appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import { levelInUnits, type LevelBasis } from './levels.ts';
import type { ThresholdRequest } from './syntax.ts';

/** What the kernel was told. */
export interface KernelWriteResult {
  /** Whether the kernel interface exists (fstrace mounted at /sys/fs/events). */
  present: boolean;
  written: string[];
  /** Requests not written, and why (inode levels, unknown filesystem size, spaces in the path). */
  skipped: Array<{ request: string; why: string }>;
  /** The request the kernel refused, and the error; later requests were not written. */
  failed?: { request: string; error: string };
  /** Mounts whose T levels the kernel now evaluates, and mounts it no longer does. */
  managed: string[];
  released: string[];
}

/** The config file of the proposal under a sysfs root. */
export function kernelConfigPath(sys: string): string {
  return join(sys, 'fs/events/config');
}

/** Writes the requests one by one; `basisOf` gives a mount's block size and size (for % and G levels). */
export async function writeThrough(path: string, requests: readonly ThresholdRequest[], basisOf: (mount: string) => LevelBasis | undefined): Promise<KernelWriteResult> {
  const result: KernelWriteResult = { present: false, written: [], skipped: [], managed: [], released: [] };
  try {
    await access(path);
  } catch {
    return result;
  }
  result.present = true;
  for (const request of requests) {
    const translated = translate(request, basisOf);
    if ('why' in translated) {
      result.skipped.push({ request: translated.request, why: translated.why });
      continue;
    }
    try {
      await appendFile(path, `${translated.line}\n`);
    } catch (err) {
      result.failed = { request: translated.line, error: (err as NodeJS.ErrnoException).code ?? (err as Error).message };
      return result;
    }
    result.written.push(translated.line);
    if (translated.manages) result.managed.push(translated.manages);
    if (translated.releases) result.released.push(translated.releases);
  }
  return result;
}

type Translated = { line: string; manages?: string; releases?: string } | { request: string; why: string };

function translate(request: ThresholdRequest, basisOf: (mount: string) => LevelBasis | undefined): Translated {
  if (request.op === 'clear') return { line: '', releases: '*' };
  if (/\s|;/.test(request.mount)) return { request: request.mount, why: 'the kernel syntax cannot carry whitespace or ";" in a path' };
  if (request.op === 'remove') {
    const types = request.types.filter((t) => t !== 'I');
    if (request.types.length > 0 && types.length === 0) return { request: `!${request.mount} I`, why: 'inode levels are an fsevd extension' };
    const releases = types.length === 0 || types.includes('T') ? request.mount : undefined;
    return { line: [`!${request.mount}`, ...types].join(' '), ...(releases ? { releases } : {}) };
  }
  const parts = [request.mount];
  if (request.generic) parts.push('G');
  let manages: string | undefined;
  let why = 'inode levels are an fsevd extension';
  if (request.blocks) {
    const basis = basisOf(request.mount);
    const needsBasis = request.blocks.l1.unit !== 'count' || (request.blocks.l2 !== undefined && request.blocks.l2.unit !== 'count');
    if (needsBasis && !basis) {
      why = 'the filesystem has not been sampled yet, so % and size levels cannot be turned into blocks';
    } else {
      const inUnits = (level: typeof request.blocks.l1) => String(levelInUnits(level, basis ?? { unitBytes: 1, total: 0 }));
      parts.push('T', inUnits(request.blocks.l1));
      if (request.blocks.l2) parts.push(inUnits(request.blocks.l2));
      manages = request.mount;
    }
  }
  if (parts.length === 1) return { request: request.mount, why };
  return { line: parts.join(' '), ...(manages ? { manages } : {}) };
}
