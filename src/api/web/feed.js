/**
 * @module web/feed
 * The event feed: the newest MAX_ROWS events, newest first, in a scrolling box. Only the rows in
 * view exist in the DOM (a small pool of one-line rows, moved and rewritten as the box scrolls),
 * so the cost of a write does not grow with the rate: at a thousand events a second a write still
 * touches only the thirty-odd rows in view. Events are queued as they arrive and written in an
 * animation frame at most every FLUSH_MS; a hidden tab (no frames) only keeps the newest MAX_ROWS.
 */
import { row } from './dom.js';
import { clock } from './format.js';

/** Events kept (and events kept waiting for a frame). */
const MAX_ROWS = 500;

/**
 * Shortest time between two writes while events keep coming (the first after a quiet spell is
 * written at once): five a second still reads as live, and each write costs a layout and paint of
 * every row in view.
 */
const FLUSH_MS = 200;
/** Height of every row (px, style.css agrees): one line each, so the rows in view are arithmetic. */
const ROW_PX = 22;
/** Rows drawn beyond each edge of the view, so a scroll shows no blank before the next frame. */
const OVERSCAN = 5;
/** Longest data summary written into a row (characters); the whole of it is in the row's title. */
const DATA_CHARS = 300;

const CELLS = ['time', 'seq', 'severity', 'type', 'path', 'sources', 'data'];

/** The feed in the page. */
export class FeedView {
  /** @param {HTMLElement} viewport the scrolling box @param {HTMLElement} canvas its content, as tall as every row */
  constructor(viewport, canvas) {
    this.viewport = viewport;
    this.canvas = canvas;
    /** Shown, newest first. */
    this.items = [];
    /** Arrived since the last write, oldest first. */
    this.pending = [];
    this.pool = [];
    this.frame = 0;
    this.timer = 0;
    this.lastFlush = -Infinity;
    viewport.addEventListener('scroll', () => this.#request(), { passive: true });
    addEventListener('resize', () => this.#request());
  }

  /** Queues events (in seq order). */
  push(events) {
    for (const event of events) this.pending.push(event);
    // Older entries would be pushed out by newer ones before anyone saw them.
    if (this.pending.length > 2 * MAX_ROWS) this.pending = this.pending.slice(-MAX_ROWS);
    this.#schedule();
  }

  /** Queues a line that is not an event (a gap, a reconnection). */
  notice(text) {
    this.push([{ notice: text, time: new Date().toISOString() }]);
  }

  /** Empties the feed (a new filter). */
  clear() {
    this.items = [];
    this.pending = [];
    this.#request();
  }

  #schedule() {
    if (this.frame || this.timer) return;
    const wait = this.lastFlush + FLUSH_MS - performance.now();
    if (wait > 0) this.timer = setTimeout(() => {
      this.timer = 0;
      this.#request();
    }, wait);
    else this.#request();
  }

  #request() {
    if (!this.frame) this.frame = requestAnimationFrame(() => this.#flush());
  }

  #flush() {
    this.frame = 0;
    this.lastFlush = performance.now();
    const added = this.pending.reverse();
    this.pending = [];
    if (added.length > 0) {
      this.items = added.length >= MAX_ROWS ? added.slice(0, MAX_ROWS) : added.concat(this.items.slice(0, MAX_ROWS - added.length));
      // A reader scrolled down keeps looking at the same events while new ones arrive above.
      if (this.viewport.scrollTop > 0) this.viewport.scrollTop += added.length * ROW_PX;
    }
    this.#render();
  }

  /** Points the pool's rows at the items in view. */
  #render() {
    this.canvas.style.height = `${this.items.length * ROW_PX}px`;
    const first = Math.max(0, Math.floor(this.viewport.scrollTop / ROW_PX) - OVERSCAN);
    const count = Math.ceil(this.viewport.clientHeight / ROW_PX) + 2 * OVERSCAN;
    while (this.pool.length < count) this.pool.push(this.canvas.appendChild(row(CELLS).tr));
    this.pool.forEach((tr, i) => {
      const at = first + i;
      const item = i < count ? this.items[at] : undefined;
      tr.hidden = item === undefined;
      if (item === undefined) {
        tr.item = undefined;
        delete tr.dataset.seq;
        return;
      }
      if (tr.at !== at) tr.style.transform = `translateY(${at * ROW_PX}px)`;
      tr.at = at;
      if (tr.item !== item) fill(tr, item);
      tr.item = item;
    });
  }
}

/** Writes an event's fields (or a notice across the row) into a pooled row, as text. */
function fill(tr, item) {
  const [time, seq, severity, type, path, sources, data] = tr.children;
  time.textContent = clock(item.time);
  if (item.notice !== undefined) {
    tr.className = 'row notice';
    delete tr.dataset.seq;
    for (const cell of [seq, severity, type, path, sources]) cell.textContent = '';
    data.textContent = item.notice;
    data.title = item.notice;
    path.title = '';
    return;
  }
  tr.className = `row sev-${item.severity}`;
  tr.dataset.seq = String(item.seq);
  seq.textContent = String(item.seq);
  severity.textContent = item.severity;
  type.textContent = item.count > 1 ? `${item.type} ×${item.count}` : item.type;
  path.textContent = item.mountpoint ?? '';
  path.title = item.mountpoint ?? '';
  sources.textContent = (item.sources ?? []).join(', ');
  const json = JSON.stringify(item.data ?? {});
  data.textContent = json.length > DATA_CHARS ? `${json.slice(0, DATA_CHARS)}…` : json;
  data.title = json;
}
