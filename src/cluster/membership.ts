/**
 * @module cluster/membership
 * Which nodes to follow: reads every configured node source at start and every refreshSeconds,
 * merges their lists by address (the first source to list an address wins its settings), and
 * reports the differences. A source that fails keeps its last good list (a slurmctld restart or a
 * DNS hiccup must not drop every node and their unreachability timers); its error is shown in the
 * API until it reads again.
 */
import type { Logger } from 'pino';
import type { NodeEndpoint, NodeSource } from './types.ts';

/** How one node source is doing. */
export interface SourceStatus {
  name: string;
  ok: boolean;
  nodes: number;
  /** ISO time of the last successful read. */
  lastRead?: string;
  error?: string;
}

/** The differences between two merged lists. */
export interface MembershipChange {
  added: NodeEndpoint[];
  removed: string[];
  /** Same address, different settings (scheduler name, TLS, token): follow again with the new ones. */
  changed: NodeEndpoint[];
}

/** Reads the node sources and reports changes of the merged list. */
export class Membership {
  readonly #sources: ReadonlyArray<{ name: string; source: NodeSource }>;
  readonly #refreshMs: number;
  readonly #log: Logger;
  readonly #onChange: (change: MembershipChange) => void;
  readonly #lists = new Map<string, NodeEndpoint[]>();
  readonly #status = new Map<string, SourceStatus>();
  #current = new Map<string, NodeEndpoint>();
  #timer: NodeJS.Timeout | undefined;
  #reading: Promise<void> | undefined;
  readonly #abort = new AbortController();

  constructor(options: { sources: ReadonlyArray<{ name: string; source: NodeSource }>; refreshMs: number; log: Logger; onChange: (change: MembershipChange) => void }) {
    this.#sources = options.sources;
    this.#refreshMs = options.refreshMs;
    this.#log = options.log;
    this.#onChange = options.onChange;
    for (const { name } of this.#sources) this.#status.set(name, { name, ok: false, nodes: 0 });
  }

  /** Reads every source once (reporting the first list), then keeps refreshing. */
  async start(): Promise<void> {
    await this.refresh();
    this.#timer = setInterval(() => void this.refresh(), this.#refreshMs);
    this.#timer.unref();
  }

  /** Stops refreshing and aborts a read in progress. Idempotent. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#abort.abort();
    await this.#reading;
  }

  /** The followed endpoints now. */
  endpoints(): NodeEndpoint[] {
    return [...this.#current.values()];
  }

  /** Every source's state. */
  status(): SourceStatus[] {
    return [...this.#status.values()];
  }

  /** Reads every source now (one read at a time; a call during a read waits for it). */
  refresh(): Promise<void> {
    this.#reading ??= this.#read().finally(() => (this.#reading = undefined));
    return this.#reading;
  }

  async #read(): Promise<void> {
    await Promise.all(
      this.#sources.map(async ({ name, source }) => {
        const status = this.#status.get(name)!;
        try {
          const list = await source.list(this.#abort.signal);
          this.#lists.set(name, list);
          if (!status.ok) this.#log.info({ source: name, nodes: list.length }, 'Node source read');
          Object.assign(status, { ok: true, nodes: list.length, lastRead: new Date().toISOString(), error: undefined });
        } catch (err) {
          if (this.#abort.signal.aborted) return;
          const message = (err as Error).message;
          if (status.error !== message) this.#log.warn({ source: name, err: { message } }, 'Node source failed; keeping its last list');
          Object.assign(status, { ok: false, error: message });
        }
      }),
    );
    if (!this.#abort.signal.aborted) this.#apply();
  }

  #apply(): void {
    const next = new Map<string, NodeEndpoint>();
    for (const { name } of this.#sources) for (const endpoint of this.#lists.get(name) ?? []) if (!next.has(endpoint.address)) next.set(endpoint.address, endpoint);
    const change: MembershipChange = { added: [], removed: [], changed: [] };
    for (const [address, endpoint] of next) {
      const before = this.#current.get(address);
      if (!before) change.added.push(endpoint);
      else if (JSON.stringify(before) !== JSON.stringify(endpoint)) change.changed.push(endpoint);
    }
    for (const address of this.#current.keys()) if (!next.has(address)) change.removed.push(address);
    this.#current = next;
    if (change.added.length || change.removed.length || change.changed.length) this.#onChange(change);
  }
}
