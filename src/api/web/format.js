/**
 * @module web/format
 * How figures read on the page: sizes in binary units, durations, times, and mount paths as the
 * threshold syntax needs them.
 */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** 1536 → "1.5 KiB". */
export function bytes(value) {
  if (!Number.isFinite(value)) return '–';
  let unit = 0;
  let scaled = value;
  while (Math.abs(scaled) >= 1024 && unit < UNITS.length - 1) {
    scaled /= 1024;
    unit++;
  }
  return `${scaled.toFixed(unit === 0 || scaled >= 100 ? 0 : 1)} ${UNITS[unit]}`;
}

/** Seconds → "3 d 4 h", "2 h 5 min", "40 s"; "–" when absent. */
export function duration(seconds) {
  if (seconds === undefined || !Number.isFinite(seconds)) return '–';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

/** An ISO time → local "HH:MM:SS.mmm" (the feed's column); '' when absent. */
export function clock(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  const pad = (n, width = 2) => String(n).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/** An ISO time → local date and time; '' when absent. */
export function dateTime(iso) {
  return iso ? new Date(iso).toLocaleString() : '';
}

/**
 * A mount path as the threshold syntax reads it: each UTF-8 byte of whitespace, `\` and `;` as
 * `\NNN` octal, exactly as the daemon's own escapeMountPath (collector/thresholds/syntax.ts) writes them.
 */
export function escapeMountPath(path) {
  const utf8 = new TextEncoder();
  return path.replace(/[\s\\;]/g, (c) => [...utf8.encode(c)].map((byte) => `\\${byte.toString(8).padStart(3, '0')}`).join(''));
}
