/**
 * @module collector/sources/uevent/parse
 * Pure: one kernel uevent datagram in, its action and properties out (lib/kobject_uevent.c,
 * kernel-signals.md §9): `ACTION@DEVPATH\0` then `KEY=VALUE\0`… with ACTION, DEVPATH, SUBSYSTEM and
 * SEQNUM always present. udev's re-broadcasts (group 2, "libudev" binary header) are not this
 * format and are refused, as is anything larger than the kernel could build.
 */

/** A decoded uevent. */
export interface Uevent {
  action: string;
  devpath: string;
  subsystem: string;
  /** The kernel's global uevent counter (all subsystems, all network namespaces). */
  seqnum: number;
  /** Every KEY=VALUE, including the four above. */
  properties: Map<string, string>;
}

/** Why a datagram is not a kernel uevent (a closed set for metric labels). */
export type UeventProblem = 'too-large' | 'libudev' | 'no-header' | 'bad-property' | 'missing-property' | 'header-mismatch';

/**
 * The most a kernel uevent can hold: the `ACTION@DEVPATH` header (a sysfs path, PATH_MAX) and the
 * environment (UEVENT_BUFFER_SIZE = 2048). Bigger is not from the kernel.
 */
export const MAX_UEVENT_BYTES = 4096 + 2048;

const LIBUDEV_MAGIC = Buffer.from('libudev\0', 'latin1');

/** Parses a datagram of the kernel's uevent group. */
export function parseUevent(datagram: Buffer): Uevent | UeventProblem {
  if (datagram.length > MAX_UEVENT_BYTES) return 'too-large';
  if (datagram.subarray(0, LIBUDEV_MAGIC.length).equals(LIBUDEV_MAGIC)) return 'libudev';
  // Properties are ASCII in practice; latin1 maps every byte to one character, so nothing throws.
  const fields = datagram.toString('latin1').split('\0');
  const header = fields[0] ?? '';
  const at = header.indexOf('@');
  if (at <= 0) return 'no-header';
  const properties = new Map<string, string>();
  for (let i = 1; i < fields.length; i++) {
    const field = fields[i]!;
    if (field === '') continue; // the trailing NUL
    const eq = field.indexOf('=');
    if (eq <= 0) return 'bad-property';
    properties.set(field.slice(0, eq), field.slice(eq + 1));
  }
  const action = properties.get('ACTION');
  const devpath = properties.get('DEVPATH');
  const subsystem = properties.get('SUBSYSTEM');
  const seqText = properties.get('SEQNUM');
  if (action === undefined || devpath === undefined || subsystem === undefined || seqText === undefined) return 'missing-property';
  if (!/^\d{1,15}$/.test(seqText)) return 'bad-property';
  if (header.slice(0, at) !== action || header.slice(at + 1) !== devpath) return 'header-mismatch';
  return { action, devpath, subsystem, seqnum: Number(seqText), properties };
}
