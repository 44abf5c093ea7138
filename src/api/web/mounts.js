/**
 * @module web/mounts
 * The mount table: one row per mount, keyed by kernel mount id, sorted by mount point. A new
 * state list is compared row by row with what is shown (as the row's rendered strings), and only
 * rows whose text changed are rewritten. New rows are made and placed, and changed rows
 * rewritten, at most ROWS_PER_FRAME per animation frame, top of the table first: a first load of
 * 1,000 mounts shows its first screenful in the first frame and never holds the main thread for
 * long, and neither does a refresh.
 */
import { setText } from './dom.js';
import { createRow, summarize, view, write } from './mount-row.js';

/** Rows made or rewritten per animation frame: ~0.1 ms each, well inside a frame even on a slow machine. */
const ROWS_PER_FRAME = 200;

/** Table order: by mount point, then mount id (stacked mounts). */
function before(a, b) {
  if (a.mount.mountpoint !== b.mount.mountpoint) return a.mount.mountpoint < b.mount.mountpoint;
  return a.mount.mountId < b.mount.mountId;
}

/** The mount table in the page. */
export class MountTable {
  /** @param {HTMLElement} tbody @param {HTMLElement} count @param {HTMLElement} summary */
  constructor(tbody, count, summary) {
    this.tbody = tbody;
    this.count = count;
    this.summary = summary;
    /** mount id → {tr, cells, key, view, mount}; tr is undefined until the row is placed. */
    this.rows = new Map();
    /** Every entry in table order. */
    this.order = [];
    /** Entries without a row yet, and entries whose row shows an old view. */
    this.unplaced = new Set();
    this.pending = new Set();
    this.frame = 0;
    this.query = '';
  }

  /** The last known state of a mount. */
  mount(id) {
    return this.rows.get(id)?.mount;
  }

  /** Replaces the whole list: adds, removes and queues rewrites of changed rows. */
  replaceAll(mounts) {
    const seen = new Set();
    for (const mount of mounts) {
      seen.add(mount.mountId);
      this.#put(mount);
    }
    for (const id of this.rows.keys()) if (!seen.has(id)) this.#drop(id);
    this.#settle();
  }

  /** Adds or updates one mount. */
  upsert(mount) {
    this.#put(mount);
    this.#settle();
  }

  /** Removes one mount (it was unmounted). */
  remove(id) {
    this.#drop(id);
    this.#settle();
  }

  /** Shows only mounts whose path contains `query`. */
  filter(query) {
    this.query = query;
    for (const entry of this.rows.values()) if (entry.tr) entry.tr.hidden = !entry.mount.mountpoint.includes(query);
  }

  #put(mount) {
    const current = this.rows.get(mount.mountId);
    // A mount id whose path changed (mount --move) takes a new place in the order.
    if (current && current.mount.mountpoint !== mount.mountpoint) this.#drop(mount.mountId);
    const entry = this.rows.get(mount.mountId);
    const next = view(mount);
    const key = JSON.stringify(next);
    if (entry) {
      entry.mount = mount;
      if (entry.key === key) return;
      Object.assign(entry, { key, view: next });
      if (entry.tr) this.pending.add(entry);
      return;
    }
    const added = { tr: undefined, cells: undefined, key, view: next, mount };
    this.rows.set(mount.mountId, added);
    let low = 0;
    let high = this.order.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (before(this.order[middle], added)) low = middle + 1;
      else high = middle;
    }
    this.order.splice(low, 0, added);
    this.unplaced.add(added);
  }

  #drop(id) {
    const entry = this.rows.get(id);
    if (!entry) return;
    entry.tr?.remove();
    this.rows.delete(id);
    this.unplaced.delete(entry);
    this.pending.delete(entry);
    this.order.splice(this.order.indexOf(entry), 1);
  }

  #settle() {
    setText(this.count, `(${this.rows.size})`);
    setText(this.summary, summarize(this.rows.values()));
    if ((this.unplaced.size > 0 || this.pending.size > 0) && !this.frame) this.frame = requestAnimationFrame(() => this.#flush());
  }

  #flush() {
    this.frame = 0;
    let budget = ROWS_PER_FRAME;
    for (let i = 0; i < this.order.length && budget > 0 && this.unplaced.size > 0; i++) {
      const entry = this.order[i];
      if (!this.unplaced.has(entry)) continue;
      this.unplaced.delete(entry);
      budget--;
      Object.assign(entry, createRow(entry.mount.mountId));
      write(entry, entry.view);
      entry.tr.hidden = !entry.mount.mountpoint.includes(this.query);
      let next = i + 1;
      while (next < this.order.length && !this.order[next].tr) next++;
      this.tbody.insertBefore(entry.tr, this.order[next]?.tr ?? null);
    }
    for (const entry of this.pending) {
      if (budget-- <= 0) break;
      this.pending.delete(entry);
      write(entry, entry.view);
    }
    if (this.unplaced.size > 0 || this.pending.size > 0) this.frame = requestAnimationFrame(() => this.#flush());
  }
}
