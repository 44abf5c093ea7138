/**
 * @module collector/thresholds/store
 * The threshold configuration in force: built from the config file's `thresholds` section, changed
 * by writes from the API / `fsevd config`, kept in `<stateDir>/thresholds.json` so changes survive
 * restarts (until the config file's lines change: the file is the baseline), and written through
 * to /sys/fs/events/config when the kernel has it. Writes are serialised: each one is validated
 * against the configuration left by the previous one, persisted, and only then swapped in.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { writeFileAtomic } from '../../util/atomic-file.ts';
import { FsevdError } from '../../errors.ts';
import type { MountTableView, SpaceStore, ThresholdConfigView } from '../types.ts';
import { applyRequests, applyWrite, toRequestLines, type ApplyContext, type ThresholdConfig } from './config.ts';
import { kernelConfigPath, writeThrough, type KernelWriteResult } from './kernel.ts';
import type { LevelBasis } from './levels.ts';
import { parseThresholdsSection, type ThresholdsConfig } from './schema.ts';
import { formatReadLine, parseRequests, type ThresholdRequest } from './syntax.ts';

const STATE_FILE = 'thresholds.json';
const STATE_FORMAT = 1;

/** What the store needs. */
export interface ThresholdStoreOptions {
  stateDir: string;
  /** sysfs root (ctx.paths.sys); the kernel file is <sys>/fs/events/config. */
  sys: string;
  mounts: MountTableView;
  space: SpaceStore;
  log: Logger;
}

/** The outcome of an accepted write. */
export interface ThresholdWriteResult {
  version: number;
  kernel: KernelWriteResult;
}

/** The threshold configuration, its persistence and its write-through. */
export class ThresholdStore implements ThresholdConfigView {
  readonly #options: ThresholdStoreOptions;
  readonly #listeners = new Set<(config: ThresholdConfig) => void>();
  #config: ThresholdConfig = { version: 0, entries: [], defaults: { generation: 0 } };
  #baseHash = '';
  #generation = 0;
  #kernelManaged = new Set<string>();
  #defaultsText: string | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(options: ThresholdStoreOptions) {
    this.#options = options;
  }

  /** Loads the persisted configuration, or builds it from the section when the section changed. */
  static async open(section: ThresholdsConfig, options: ThresholdStoreOptions): Promise<ThresholdStore> {
    const store = new ThresholdStore(options);
    await store.#rebase(section, true);
    return store;
  }

  current(): ThresholdConfig {
    return this.#config;
  }

  onChange(listener: (config: ThresholdConfig) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  kernelManaged(entryMount: string): boolean {
    return this.#kernelManaged.has(entryMount);
  }

  /**
   * Applies a write (requests separated by `;` or newlines; `replace` starts from no entries)
   * whole or not at all. Throws FsevdError PRECONDITION when `ifMatch` is not the current
   * version, ConfigError naming every bad request.
   */
  write(text: string, options: { replace?: boolean; ifMatch?: string } = {}): Promise<ThresholdWriteResult> {
    const run = this.#queue.then(async () => {
      if (options.ifMatch !== undefined && options.ifMatch !== String(this.#config.version)) {
        throw new FsevdError('FSEVD_E_PRECONDITION', `The thresholds changed (version ${this.#config.version}, If-Match ${options.ifMatch}); read them again and retry`);
      }
      // Over HTTP a body may hold one request per line; the kernel file knows only ';'.
      const joined = text.split(/\r?\n/).filter((line) => line.trim() !== '').join(';');
      const base = options.replace ? { ...this.#config, entries: [] } : this.#config;
      const next = applyWrite(base, joined, this.#applyContext(true));
      const requests = parseRequests(joined);
      await this.#persist(next, this.#baseHash);
      this.#swap(next);
      const kernel = await this.#writeKernel(options.replace ? [{ op: 'clear' }, ...requestsOf(next)] : requests);
      return { version: next.version, kernel };
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** SIGHUP: a changed section replaces the configuration (and any API changes); validated first by the caller. */
  reload(section: ThresholdsConfig): Promise<void> {
    const run = this.#queue.then(() => this.#rebase(section, false));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** What GET /api/v1/thresholds returns: the version (ETag), the read format and the entries as requests. */
  document(): { version: number; text: string; lines: string[]; defaults: string; kernelManaged: string[] } {
    return { version: this.#config.version, text: this.readFormat(), lines: toRequestLines(this.#config), defaults: this.#defaultsText ?? '', kernelManaged: [...this.#kernelManaged] };
  }

  /** The proposal's read format: one line per entry. */
  readFormat(): string {
    return this.#config.entries
      .map((entry) => {
        const mount = this.#options.mounts.all().find((m) => m.mountpoint === entry.mount);
        return `${formatReadLine(entry, mount?.fstype ?? 'none', mount?.device ?? 'none')}\n`;
      })
      .join('');
  }

  async #rebase(section: ThresholdsConfig, starting: boolean): Promise<void> {
    const parsed = parseThresholdsSection(section);
    const baseHash = createHash('sha256').update(JSON.stringify(section.lines)).digest('hex');
    const defaultsChanged = JSON.stringify(section.defaults) !== JSON.stringify(this.#defaultsText);
    this.#defaultsText = section.defaults;
    const defaults = { ...parsed.defaults, generation: defaultsChanged ? ++this.#generation : this.#config.defaults.generation };
    if (!starting && baseHash === this.#baseHash) {
      if (defaultsChanged) this.#swap({ ...this.#config, version: this.#config.version + 1, defaults });
      return;
    }
    const persisted = starting ? await this.#readPersisted(baseHash) : undefined;
    const empty: ThresholdConfig = { version: persisted?.version ?? this.#config.version, entries: [], defaults };
    // Mounts named in the config file or persisted may not be mounted yet: no mount-point check.
    const applied = applyRequests(empty, persisted?.requests ?? parsed.requests, this.#applyContext(false));
    // A restart that keeps the persisted entries keeps their version, so an ETag read before it still matches.
    const next = persisted?.requests ? { ...applied, version: persisted.version } : applied;
    this.#baseHash = baseHash;
    await this.#persist(next, baseHash);
    this.#swap(next);
    await this.#writeKernel([{ op: 'clear' }, ...requestsOf(next)]);
  }

  async #readPersisted(baseHash: string): Promise<{ version: number; requests?: ThresholdRequest[] } | undefined> {
    const file = join(this.#options.stateDir, STATE_FILE);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return undefined;
    }
    try {
      const saved = JSON.parse(text) as { format?: unknown; version?: unknown; baseHash?: unknown; lines?: unknown };
      if (saved.format !== STATE_FORMAT || typeof saved.version !== 'number' || !Array.isArray(saved.lines)) throw new Error('unknown layout');
      if (saved.baseHash !== baseHash) {
        this.#options.log.warn({ file }, 'The config file\'s thresholds.lines changed: they replace the thresholds set through the API');
        return { version: saved.version };
      }
      const lines = saved.lines.filter((line): line is string => typeof line === 'string');
      return { version: saved.version, requests: lines.length === 0 ? [] : parseRequests(lines.join(';')) };
    } catch (err) {
      this.#options.log.error({ err: { message: (err as Error).message }, file }, 'Ignoring an unreadable thresholds state file; using the config file\'s lines');
      return undefined;
    }
  }

  async #persist(config: ThresholdConfig, baseHash: string): Promise<void> {
    const file = join(this.#options.stateDir, STATE_FILE);
    const body = JSON.stringify({ format: STATE_FORMAT, version: config.version, baseHash, lines: toRequestLines(config) }, null, 1);
    try {
      await writeFileAtomic(file, `${body}\n`);
    } catch (err) {
      throw new FsevdError('FSEVD_E_INTERNAL', `Cannot save the thresholds to ${file}: ${(err as Error).message}`, { cause: err });
    }
  }

  #swap(next: ThresholdConfig): void {
    this.#config = next;
    for (const listener of this.#listeners) {
      try {
        listener(next);
      } catch (err) {
        this.#options.log.error({ err }, 'Threshold listener failed');
      }
    }
  }

  #applyContext(checkMounts: boolean): ApplyContext {
    const mounts = this.#options.mounts;
    const devnoOf = (path: string) => {
      const entry = mounts.all().find((m) => m.mountpoint === path);
      return entry && `${entry.major}:${entry.minor}`;
    };
    return {
      nextGeneration: () => ++this.#generation,
      sameFilesystem: (a, b) => devnoOf(a) !== undefined && devnoOf(a) === devnoOf(b),
      ...(checkMounts ? { isMountpoint: (path: string) => devnoOf(path) !== undefined } : {}),
    };
  }

  async #writeKernel(requests: readonly ThresholdRequest[]): Promise<KernelWriteResult> {
    const result = await writeThrough(kernelConfigPath(this.#options.sys), requests, (mount) => this.#basisOf(mount));
    for (const mount of result.released) {
      if (mount === '*') this.#kernelManaged.clear();
      else this.#kernelManaged.delete(mount);
    }
    for (const mount of result.managed) this.#kernelManaged.add(mount);
    if (result.present && (result.failed || result.released.length + result.managed.length > 0)) this.#swap(this.#config);
    if (result.failed) this.#options.log.warn({ failed: result.failed }, 'The kernel refused a threshold request; fsevd evaluates that entry itself');
    return result;
  }

  #basisOf(mount: string): LevelBasis | undefined {
    const entry = this.#options.mounts.all().find((m) => m.mountpoint === mount);
    const space = entry && this.#options.space.get(entry.major, entry.minor)?.space;
    if (!space?.blockBytes || space.sizeBytes === 0) return undefined;
    return { unitBytes: space.blockBytes, total: space.sizeBytes };
  }
}

function requestsOf(config: ThresholdConfig): ThresholdRequest[] {
  const lines = toRequestLines(config);
  return lines.length === 0 ? [] : parseRequests(lines.join(';'));
}
