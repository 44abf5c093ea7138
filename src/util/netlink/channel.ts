/**
 * @module util/netlink/channel
 * One listening netlink socket (node-netlink's RawNetlinkSocket) that stays open: when the socket
 * fails it closes it, says so, and reopens it with backoff, running `setup` again each time (a
 * generic netlink family may have been re-registered under a new id). Before joining any group it
 * sets NETLINK_NO_ENOBUFS through fsevd's addon, because node-netlink aborts the process on the
 * error an overrun raises (native/src/netlink.c); overruns are counted with drops() instead. Reading never blocks: node-netlink watches the socket with a
 * libuv poll handle on the event loop and libuv puts the descriptor in O_NONBLOCK mode
 * (uv_poll_init), so each readable wake-up drains at most 32 datagrams with non-blocking recvmsg
 * and returns; no thread of libuv's pool is involved. The socket is unref'd: it never keeps the
 * process alive by itself.
 */
import { RawNetlinkSocket, type MessageInfo } from './package.ts';
import { StartupError } from '../../errors.ts';
import { loadNative } from '../../native/binding.ts';

/** What a (re)open needs to know, from `setup`. */
export interface ChannelPlan {
  /** Multicast groups to join (NETLINK_ADD_MEMBERSHIP). */
  groups: number[];
}

/** How a channel is opened and where its datagrams and troubles go. */
export interface ChannelOptions {
  /** Netlink protocol (NETLINK_GENERIC 16, NETLINK_KOBJECT_UEVENT 15). */
  protocol: number;
  /** Requested SO_RCVBUF (the kernel caps it at net.core.rmem_max and doubles it). */
  receiveBufferBytes: number;
  /** Runs before every open; throws when the socket cannot be opened now. */
  setup: () => Promise<ChannelPlan>;
  /** A datagram arrived; `truncated` when it did not fit (never with message peeking). */
  onDatagram: (data: Buffer, sender: number, truncated: boolean) => void;
  /** The socket failed or reopened; `reason` is set while it is down. */
  onState: (state: 'up' | 'down', reason?: string) => void;
  /** Delay before the first reopen, doubled up to `maxReopenDelayMs`. */
  reopenDelayMs?: number;
  maxReopenDelayMs?: number;
}

/** Live figures of the socket. */
export interface ChannelStats {
  /** Our port id (nl_pid): where a unicast to this listener goes. */
  port: number;
  /** SO_RCVBUF as the kernel set it. */
  receiveBufferBytes: number;
  reopens: number;
}

/** The addon functions a channel needs, or why they are missing. */
function nativeNetlink(): { noEnobufs: (protocol: number, port: number) => number; drops: (fd: number) => number } | string {
  const loaded = loadNative();
  if (!loaded.ok) return loaded.reason;
  const { netlinkNoEnobufs, socketDrops } = loaded.native;
  if (typeof netlinkNoEnobufs !== 'function' || typeof socketDrops !== 'function') return 'native addon has no netlinkNoEnobufs (built before it existed: rebuild with npm run install)';
  return { noEnobufs: netlinkNoEnobufs, drops: socketDrops };
}

/** A listening netlink socket that reopens itself. */
export class NetlinkChannel {
  readonly #options: ChannelOptions;
  #socket: RawNetlinkSocket | undefined;
  #fd = -1;
  #drops: ((fd: number) => number) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #delay: number;
  #closed = false;
  #stats: ChannelStats = { port: 0, receiveBufferBytes: 0, reopens: 0 };

  constructor(options: ChannelOptions) {
    this.#options = options;
    this.#delay = options.reopenDelayMs ?? 1_000;
  }

  /** Current figures (port 0 while closed). */
  get stats(): ChannelStats {
    return { ...this.#stats };
  }

  /** Opens the socket; throws what `setup` or the socket threw (the caller decides what that means). */
  async open(): Promise<void> {
    this.#closed = false;
    const native = nativeNetlink();
    if (typeof native === 'string') throw new StartupError(`${native}; without it a socket overrun would abort the daemon (node-netlink)`);
    const plan = await this.#options.setup();
    if (this.#closed) return;
    const socket = new RawNetlinkSocket(this.#options.protocol, { recvBufferSize: this.#options.receiveBufferBytes, sendBufferSize: 0 });
    try {
      // Before any group is joined: nothing can overrun the socket until then.
      this.#fd = native.noEnobufs(this.#options.protocol, socket.address().port);
      for (const group of plan.groups) socket.addMembership(group);
    } catch (err) {
      socket.close();
      throw err;
    }
    this.#drops = native.drops;
    socket.unref();
    socket.on('message', (data: Buffer, info: MessageInfo) => this.#options.onDatagram(data, info.port, false));
    socket.on('truncatedMessage', (data: Buffer, info: MessageInfo) => this.#options.onDatagram(data, info.port, true));
    socket.on('error', (err) => this.#onError(socket, err));
    this.#socket = socket;
    this.#stats = { ...this.#stats, port: socket.address().port, receiveBufferBytes: socket.getRecvBufferSize() };
    this.#delay = this.#options.reopenDelayMs ?? 1_000;
  }

  /** Closes the socket and cancels a pending reopen; idempotent. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#drop();
  }

  /** Messages the kernel dropped for the open socket (sk_drops); undefined while closed. */
  drops(): number | undefined {
    return this.#socket && this.#drops ? this.#drops(this.#fd) : undefined;
  }

  #onError(socket: RawNetlinkSocket, err: Error & { code?: string }): void {
    if (socket !== this.#socket) return;
    this.#drop();
    this.#options.onState('down', `netlink socket failed (${err.code ?? err.message}); reopening`);
    this.#scheduleReopen();
  }

  #scheduleReopen(): void {
    if (this.#closed) return;
    const delay = this.#delay;
    this.#delay = Math.min(delay * 2, this.#options.maxReopenDelayMs ?? 60_000);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.open().then(
        () => {
          if (this.#closed) return;
          this.#stats.reopens += 1;
          this.#options.onState('up');
        },
        (err: unknown) => {
          this.#options.onState('down', `netlink socket reopen failed (${err instanceof Error ? err.message : String(err)}); retrying`);
          this.#scheduleReopen();
        },
      );
    }, delay);
    this.#timer.unref();
  }

  /** Closes the socket and reopens it as after a failure: the reopen path, which a real socket failure cannot be made to take on purpose, is proved through it in tests. */
  fail(reason: string): void {
    if (this.#closed) return;
    this.#drop();
    this.#options.onState('down', reason);
    this.#scheduleReopen();
  }

  #drop(): void {
    const socket = this.#socket;
    this.#socket = undefined;
    this.#fd = -1;
    this.#stats.port = 0;
    socket?.close();
  }
}
