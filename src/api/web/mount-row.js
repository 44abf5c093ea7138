/**
 * @module web/mount-row
 * One row of the mount table: what it shows for a mount (plain strings and numbers, compared to
 * skip rows whose text did not change), how that is written into its cells, and the one-line
 * count of mounts in trouble above the table.
 */
import { el, row, setText } from './dom.js';
import { bytes, duration } from './format.js';

const CELLS = ['mount', 'usage', 'thresholds', 'ttf', 'state', 'actions'];

/** What one row shows, as plain strings and numbers (compared to skip unchanged rows). */
export function view(mount) {
  const space = mount.space;
  const used = space && space.sizeBytes > 0 ? 1 - space.availBytes / space.sizeBytes : undefined;
  const levels = mount.thresholds?.blocks;
  const states = [];
  if (!mount.available) states.push([`unavailable${mount.unavailable ? `: ${mount.unavailable.reason} (${mount.unavailable.kind})` : ''}`, 'bad']);
  else states.push(['available', 'good']);
  if (mount.shutdown) states.push(['shut down', 'bad']);
  if (mount.readOnlyByError) states.push(['read-only after error', 'bad']);
  else if (mount.readOnly) states.push(['read-only', 'muted']);
  if (mount.lastError) states.push([`last error ${mount.lastError.type}${mount.lastError.errno ? ` (errno ${mount.lastError.errno})` : ''} at ${new Date(mount.lastError.time).toLocaleString()}`, 'warn']);
  return {
    path: mount.mountpoint,
    sub: `${mount.device} · ${mount.fstype}`,
    used,
    low: levels && space ? 1 - levels.l1Value / space.sizeBytes : undefined,
    high: levels && space ? 1 - levels.l2Value / space.sizeBytes : undefined,
    usage: space ? `${Math.round((used ?? 0) * 100)} % · ${bytes(space.availBytes)} free of ${bytes(space.sizeBytes)}` : 'not sampled',
    thresholds: levels ? `L1 ${levels.l1} · L2 ${levels.l2}${mount.thresholds.origin === 'default' ? ' (default)' : ''}` : '–',
    position: levels ? levels.position : '',
    ttf: duration(space?.timeToFullSeconds),
    states,
    // Levels only make sense where space is sampled and can still be written.
    editable: Boolean(space) && !mount.readOnly,
  };
}

/** One line counting the mounts in trouble: what an operator looks for first. */
export function summarize(entries) {
  const counts = { unavailable: 0, 'shut down': 0, 'read-only after error': 0, 'below L1': 0, 'below L2': 0, 'with errors': 0 };
  for (const { mount } of entries) {
    if (!mount.available) counts.unavailable++;
    if (mount.shutdown) counts['shut down']++;
    if (mount.readOnlyByError) counts['read-only after error']++;
    const position = mount.thresholds?.blocks?.position;
    if (position === 'below-l1') counts['below L1']++;
    if (position === 'below-l2') counts['below L2']++;
    if (mount.lastError) counts['with errors']++;
  }
  const trouble = Object.entries(counts).filter(([, n]) => n > 0).map(([what, n]) => `${n} ${what}`);
  return trouble.length ? trouble.join(' · ') : 'No mount in trouble.';
}

/** A new row for a mount, with its Edit button (found by the table's click handler through data-mount-id). */
export function createRow(mountId) {
  const { tr, cells } = row(CELLS);
  const edit = el('button', 'edit', 'Edit');
  edit.type = 'button';
  edit.dataset.mountId = String(mountId);
  cells[5].append(edit);
  return { tr, cells };
}

/** Writes a view into a row's cells. */
export function write(entry, v) {
  const [mountCell, usageCell, thresholdCell, ttfCell, stateCell] = entry.cells;
  mountCell.replaceChildren(el('span', 'path', v.path), el('span', 'sub', v.sub));
  const meter = el('meter');
  if (v.used !== undefined) {
    meter.value = v.used;
    // The meter turns amber past L1 and red past L2 (as fractions used).
    if (v.low !== undefined) meter.low = Math.min(1, Math.max(0, v.low));
    if (v.high !== undefined) meter.high = Math.min(1, Math.max(0, v.high));
    meter.optimum = 0;
  }
  usageCell.replaceChildren(meter, el('span', 'sub', v.usage));
  thresholdCell.replaceChildren(el('span', '', v.thresholds), ...(v.position ? [el('span', `badge ${v.position === 'armed' ? 'good' : 'warn'}`, v.position)] : []));
  setText(ttfCell, v.ttf);
  entry.cells[5].firstChild.hidden = !v.editable;
  stateCell.replaceChildren(...v.states.map(([text, kind]) => el('span', `badge ${kind}`, text)));
}
