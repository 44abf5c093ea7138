/**
 * @module collector/space-store
 * The SpaceStore the daemon shares between the statfs source (writer) and the pipeline's mount
 * state (reader): the latest sampling results per superblock. Bounded by the mounted
 * filesystems: the source deletes a record when its filesystem goes away.
 */
import type { SpaceRecord, SpaceStore } from './types.ts';

/** A SpaceStore in memory. */
export class SpaceMap implements SpaceStore {
  readonly #readers = new Map<string, () => SpaceRecord>();

  get(major: number, minor: number): SpaceRecord | undefined {
    return this.#readers.get(`${major}:${minor}`)?.();
  }

  set(major: number, minor: number, read: () => SpaceRecord): void {
    this.#readers.set(`${major}:${minor}`, read);
  }

  delete(major: number, minor: number): void {
    this.#readers.delete(`${major}:${minor}`);
  }
}
