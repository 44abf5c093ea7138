/**
 * @module web/stream
 * The page's WebSocket client of /api/v1/stream (protocol 1, src/api/stream/protocol.ts). It
 * subscribes with the feed's filter, keeps the seq of the last event received as its cursor, and
 * when the connection drops reconnects by itself (backoff up to MAX_BACKOFF_MS) and subscribes
 * again with since = cursor: nothing repeated, nothing missing. A browser cannot set an
 * Authorization header on a WebSocket, so the token rides in the subprotocol list
 * (api/stream/bearer-protocol.ts), base64url-encoded.
 */

const PROTOCOL = 'fsevd.v1';
const BEARER_PREFIX = 'fsevd.bearer.';
const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 10_000;
/** Events of history shown when the page opens (and after a filter change). */
const BACKLOG = 200;
/** A longer gap than this after a reconnection is reported as a gap instead of replayed: the feed shows only the newest few hundred anyway. */
const MAX_REPLAY = 5000;

/** UTF-8 bytes of a string as base64url (what a subprotocol may carry). */
function base64url(text) {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** A self-reconnecting subscription. */
export class EventStream {
  /**
   * @param {{ token: () => string, onEvents: (events: object[]) => void, onNotice: (text: string) => void,
   *   onStatus: (state: string, detail: string) => void, onError: (message: string) => void, onHello: (hello: object) => void }} handlers
   */
  constructor(handlers) {
    this.handlers = handlers;
    this.filter = {};
    /** Seq of the last event received; undefined until the first subscription. */
    this.cursor = undefined;
    this.subscription = 0;
    this.backoff = FIRST_BACKOFF_MS;
    this.socket = undefined;
    this.timer = 0;
  }

  /** Opens the connection (again: a new token applies to the next one). */
  connect() {
    clearTimeout(this.timer);
    if (this.socket) {
      this.socket.onclose = null;
      this.socket.close();
    }
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/stream`;
    const token = this.handlers.token();
    const socket = new WebSocket(url, token ? [PROTOCOL, BEARER_PREFIX + base64url(token)] : [PROTOCOL]);
    this.socket = socket;
    this.handlers.onStatus('connecting', '');
    socket.onmessage = (message) => this.#receive(JSON.parse(message.data));
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      const wait = this.backoff;
      this.backoff = Math.min(MAX_BACKOFF_MS, this.backoff * 2);
      this.handlers.onStatus('disconnected', `reconnecting in ${Math.round(wait / 100) / 10} s (close code ${event.code})`);
      this.timer = setTimeout(() => this.connect(), wait);
    };
  }

  /** Subscribes again with a new filter, from a little history (the feed is cleared by the caller). */
  setFilter(filter) {
    this.filter = filter;
    this.cursor = this.cursor === undefined ? undefined : Math.max(0, this.cursor - BACKLOG);
    if (this.socket?.readyState === WebSocket.OPEN) this.#subscribe(undefined);
  }

  #subscribe(serverLastSeq) {
    if (this.subscription) this.socket.send(JSON.stringify({ op: 'unsubscribe', id: `feed-${this.subscription}` }));
    this.subscription++;
    let since = this.cursor ?? Math.max(0, (serverLastSeq ?? 0) - BACKLOG);
    if (serverLastSeq !== undefined && serverLastSeq - since > MAX_REPLAY) {
      const skipped = serverLastSeq - BACKLOG;
      this.handlers.onNotice(`events ${since + 1}–${skipped} (while disconnected) are not shown here: GET /api/v1/events?since=${since} has them`);
      since = skipped;
    }
    this.socket.send(JSON.stringify({ op: 'subscribe', id: `feed-${this.subscription}`, filter: this.filter, since }));
  }

  #receive(message) {
    const current = message.id === undefined || message.id === `feed-${this.subscription}`;
    switch (message.type) {
      case 'hello':
        this.backoff = FIRST_BACKOFF_MS;
        this.subscription = 0;
        this.handlers.onHello(message);
        this.#subscribe(message.lastSeq);
        break;
      case 'subscribed':
        if (current) this.handlers.onStatus('replaying', `from seq ${message.cursor}`);
        break;
      case 'live':
        if (current) this.handlers.onStatus('live', '');
        break;
      case 'events':
        if (!current || message.events.length === 0) break;
        this.cursor = message.events[message.events.length - 1].seq;
        this.handlers.onEvents(message.events);
        break;
      case 'lost':
        if (!current) break;
        this.cursor = Math.max(this.cursor ?? 0, message.toSeq);
        this.handlers.onNotice(`${message.count} events skipped (${message.reason}, seq ${message.fromSeq}–${message.toSeq}): GET /api/v1/events has them`);
        break;
      case 'error':
        this.handlers.onError(message.message);
        break;
      default:
        break;
    }
  }
}
