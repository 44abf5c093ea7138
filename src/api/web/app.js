/**
 * @module web/app
 * The page's entry point: loads mounts and sources from the REST API, follows the event stream,
 * and keeps the mount table current. Events name the mounts they concern; those are re-read
 * together once a second (one by one when few, the whole list when many, never more often than
 * FULL_MIN_MS), and the whole list every FULL_REFRESH_MS for space figures that change without
 * an event. All state lives in start()'s closure.
 */
import { ApiError, getJson, setToken, token } from './api.js';
import { say, setText } from './dom.js';
import { FeedView } from './feed.js';
import { MountTable } from './mounts.js';
import { showSources } from './sources.js';
import { EventStream } from './stream.js';
import { ThresholdEditor } from './thresholds.js';

const DIRTY_CHECK_MS = 1000;
/** Up to this many changed mounts are re-read one by one; more, and the list is read whole. */
const FEW_MOUNTS = 10;
const FULL_MIN_MS = 5000;
const FULL_REFRESH_MS = 15_000;
const SOURCES_REFRESH_MS = 10_000;
/** After a threshold change, the mount is re-read this many times (once a second): the daemon shows new levels from the filesystem's next statfs sample. */
const WATCH_TICKS = 10;

function start() {
  const byId = (id) => document.getElementById(id);
  const notice = byId('notice');
  const mounts = new MountTable(byId('mounts').querySelector('.rows'), byId('mount-count'), byId('mount-summary'));
  const feed = new FeedView(byId('feed-viewport'), byId('feed').querySelector('.rows'));
  const dirty = new Set();
  /** mount id → re-reads left (WATCH_TICKS). */
  const watched = new Map();
  let lastFull = 0;
  let busy = false;
  /** A forced refresh asked for while another was running (a new token): run it right after. */
  let forceNext = false;
  let rate = 0;

  const problem = (err) => {
    if (!(err instanceof ApiError)) return say(notice, String(err));
    const hint = err.status === 401 ? ' Enter a read (or admin) token at the top of the page.' : '';
    say(notice, `${err.message}.${hint}`);
  };

  const readAll = async () => {
    const answer = await getJson('/api/v1/mounts');
    lastFull = performance.now();
    setText(byId('node'), answer.node);
    mounts.replaceAll(answer.mounts);
    say(notice, '');
  };
  const readOne = async (id) => {
    try {
      mounts.upsert(await getJson(`/api/v1/mounts/${id}`));
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) mounts.remove(id);
      else throw err;
    }
  };
  const refresh = async (force) => {
    if (busy) {
      forceNext ||= force;
      return;
    }
    for (const [id, left] of watched) {
      dirty.add(id);
      if (left <= 1) watched.delete(id);
      else watched.set(id, left - 1);
    }
    const wantsAll = force || performance.now() - lastFull > FULL_REFRESH_MS || dirty.size > FEW_MOUNTS;
    if (!wantsAll && dirty.size === 0) return;
    if (wantsAll && !force && performance.now() - lastFull < FULL_MIN_MS) return;
    busy = true;
    const ids = [...dirty];
    dirty.clear();
    try {
      if (wantsAll) await readAll();
      else await Promise.all(ids.map(readOne));
    } catch (err) {
      for (const id of ids) dirty.add(id);
      problem(err);
    } finally {
      busy = false;
      if (forceNext) {
        forceNext = false;
        void refresh(true);
      }
    }
  };
  const readSources = () => getJson('/api/v1/sources').then((answer) => showSources(byId('sources').querySelector('.rows'), answer.sources), problem);

  const connection = byId('connection');
  const feedStatus = byId('feed-status');
  const stream = new EventStream({
    token,
    onHello: (hello) => setText(byId('node'), hello.node),
    onEvents: (events) => {
      rate += events.length;
      for (const event of events) {
        if (event.mountId === undefined) continue;
        if (event.type === 'UMOUNT') mounts.remove(event.mountId);
        else dirty.add(event.mountId);
      }
      feed.push(events);
    },
    onNotice: (text) => feed.notice(text),
    onError: (message) => setText(byId('filter-error'), message),
    onStatus: (state, detail) => {
      setText(connection, state);
      connection.className = `badge ${state === 'live' ? 'good' : state === 'disconnected' ? 'bad' : 'warn'}`;
      connection.title = detail;
      if (state === 'disconnected') feed.notice(`connection lost; ${detail}`);
    },
  });

  const editor = new ThresholdEditor((mountId) => watched.set(mountId, WATCH_TICKS));
  byId('mounts').addEventListener('click', (event) => {
    const button = event.target.closest('button.edit');
    const mount = button && mounts.mount(Number(button.dataset.mountId));
    if (mount) void editor.open(mount);
  });
  byId('mount-search').addEventListener('input', (event) => mounts.filter(event.target.value));

  byId('feed-filter').addEventListener('submit', (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const list = (name) => String(form.get(name) ?? '').split(/[\s,]+/).filter(Boolean);
    const filter = {};
    if (form.get('severity')) filter.severity = form.get('severity');
    if (form.get('classes')) filter.classes = [form.get('classes')];
    if (list('types').length) filter.types = list('types').map((t) => t.toUpperCase());
    if (String(form.get('mounts') ?? '').trim()) filter.mounts = [String(form.get('mounts')).trim()];
    setText(byId('filter-error'), '');
    feed.clear();
    stream.setFilter(filter);
  });

  const tokenInput = byId('token');
  const useToken = (value) => {
    setToken(value);
    tokenInput.value = '';
    tokenInput.placeholder = token() ? 'a token is in use' : 'read or admin token';
    stream.connect();
    void refresh(true);
    void readSources();
  };
  byId('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    useToken(tokenInput.value.trim());
  });
  byId('token-forget').addEventListener('click', () => useToken(''));

  setInterval(() => void refresh(false), DIRTY_CHECK_MS);
  setInterval(() => void readSources(), SOURCES_REFRESH_MS);
  setInterval(() => {
    setText(feedStatus, `${rate} events/s · cursor ${stream.cursor ?? '–'}`);
    rate = 0;
  }, 1000);
  useToken(token());
}

start();
