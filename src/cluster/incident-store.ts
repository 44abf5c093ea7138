/**
 * @module cluster/incident-store
 * The incidents on disk (`<stateDir>/incidents.json`), so that a restarted subscriber keeps each
 * open incident's cap (the nodes already acted on still count) and still skips the undo of a fire
 * the cap held. Replaced atomically and synced after changes, coalesced: changes made while a write
 * runs go out together with the next one. The sink waits for flush() before the rules engine
 * journals a group, so what those events did to the incidents is on disk before the nodes' cursors
 * move past them. A missing file is a first start; an unreadable one is logged and ignored.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import type { Logger } from 'pino';
import { writeFileAtomic } from '../util/atomic-file.ts';
import { IncidentSnapshotSchema, type IncidentSnapshot } from './incidents.ts';

const FILE = 'incidents.json';

/** Reads and writes the incidents snapshot of one state dir. */
export class IncidentStore {
  readonly #path: string;
  readonly #log: Logger;
  #snapshot: (() => IncidentSnapshot) | undefined;
  #dirty = false;
  #writing: Promise<void> | undefined;

  constructor(stateDir: string, log: Logger) {
    this.#path = join(stateDir, FILE);
    this.#log = log;
  }

  /** The stored snapshot, or undefined (none yet, or unreadable: logged). */
  async load(): Promise<IncidentSnapshot | undefined> {
    let text: string;
    try {
      text = await readFile(this.#path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.#log.error({ path: this.#path, err: { message: (err as Error).message } }, 'Cannot read the incidents file; starting without incidents');
      return undefined;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    if (Value.Check(IncidentSnapshotSchema, value)) return value;
    this.#log.error({ path: this.#path }, 'The incidents file is not valid; starting without incidents');
    return undefined;
  }

  /** Where changed() takes the state from. */
  attach(snapshot: () => IncidentSnapshot): void {
    this.#snapshot = snapshot;
  }

  /** The state changed: write it soon. */
  changed(): void {
    this.#dirty = true;
    // With a snapshot to take, #drain reaches its first await before its finally: #writing stays set until it is done.
    if (!this.#writing && this.#snapshot) this.#writing = this.#drain();
  }

  /** Resolves once every change made so far is on disk (or its write failed: logged). */
  async flush(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#dirty && this.#snapshot) {
        this.#dirty = false;
        await writeFileAtomic(this.#path, JSON.stringify(this.#snapshot()), { sync: true }).catch((err: unknown) =>
          this.#log.error({ path: this.#path, err: { message: (err as Error).message } }, 'Cannot write the incidents file'),
        );
      }
    } finally {
      // In the same turn as the last check of #dirty: a change after it starts a new drain.
      this.#writing = undefined;
    }
  }
}
