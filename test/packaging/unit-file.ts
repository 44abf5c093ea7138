/**
 * Reads packaging/systemd/fsevd.service for the packaging tests, and turns its credentials (User
 * aside: tests pick a uid) into the setpriv(1) arguments that give a process what systemd gives
 * the service: the ambient and bounding capability sets and no_new_privs. Tests then run the
 * daemon exactly as the unit would, without systemd as PID 1.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The unit file shipped in packaging/systemd/. */
export const UNIT_PATH = fileURLToPath(new URL('../../packaging/systemd/fsevd.service', import.meta.url));

/** Every `Key=value` of a unit file, by key, values in order (comments and section headers skipped). */
export function parseUnit(text: string): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';') || line.startsWith('[')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim();
    keys.set(key, [...(keys.get(key) ?? []), line.slice(eq + 1).trim()]);
  }
  return keys;
}

/** The shipped unit, parsed. */
export function shippedUnit(): Map<string, string[]> {
  return parseUnit(readFileSync(UNIT_PATH, 'utf8'));
}

/** Capability names of a unit setting (`CAP_SYS_ADMIN CAP_SYSLOG`), in setpriv's spelling (`sys_admin`). */
export function unitCapabilities(unit: Map<string, string[]>, key: 'AmbientCapabilities' | 'CapabilityBoundingSet'): string[] {
  return (unit.get(key) ?? []).flatMap((value) => value.split(/\s+/)).filter(Boolean).map((cap) => cap.replace(/^CAP_/, '').toLowerCase());
}

/**
 * setpriv arguments that run a program as `uid`:`gid` with the unit's capabilities: `caps`
 * (default: the unit's AmbientCapabilities) as inheritable and ambient, the unit's bounding set
 * and, when the unit says NoNewPrivileges=yes, no_new_privs.
 */
export function setprivLikeUnit(unit: Map<string, string[]>, uid: number, gid: number, caps = unitCapabilities(unit, 'AmbientCapabilities')): string[] {
  const list = (names: string[]) => ['-all', ...names.map((name) => `+${name}`)].join(',');
  const nnp = unit.get('NoNewPrivileges')?.at(-1) === 'yes' ? ['--nnp'] : [];
  return [
    'setpriv',
    `--reuid=${uid}`,
    `--regid=${gid}`,
    '--clear-groups',
    ...nnp,
    `--bounding-set=${list(unitCapabilities(unit, 'CapabilityBoundingSet'))}`,
    `--inh-caps=${list(caps)}`,
    `--ambient-caps=${list(caps)}`,
    '--',
  ];
}
