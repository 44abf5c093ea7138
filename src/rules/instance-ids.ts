/**
 * @module rules/instance-ids
 * Which instance of a rule an event belongs to: its dedup key (the rule's key template rendered
 * for the event) and its chain id (rule, node, key). Every matching event needs them, and in a
 * storm the same few come back endlessly, so they are remembered per rule by the values the key
 * template reads (node, then each placeholder's value in order). Those values are strings and
 * numbers the pipeline repeats (the mount table's strings, the node name), so finding a
 * remembered id costs a few hash lookups where rendering cost a new string, its hash and its
 * comparison per event. A template that reads a value unique to each event (`seq`, `time`) or an
 * object (`data.x` holding one) is rendered every time, as before.
 */
import type { FsEvent } from '../collector/types.ts';
import type { CompiledRule } from './parse.ts';
import type { InstanceRecord } from './state-file.ts';
import { fieldReader, type FieldReader } from './template.ts';

/** Entries (levels and ids) remembered per rule; beyond it the memory starts over (bounded, still correct). */
export const MAX_REMEMBERED_IDS = 2048;
/** Placeholders whose value differs for every event: remembering them would only fill the memory. */
const UNIQUE_PER_EVENT = new Set(['seq', 'time']);
/** Placeholders fixed by the rules index's type × mount point pair (candidates.ts) and the node. */
const FIXED_PER_PAIR = new Set(['rule', 'node', 'type', 'mountpoint']);

/** A rule instance's identity. */
export interface InstanceId {
  /** The rendered key template (ActionRequest.key). */
  key: string;
  /** The internal id of the instance: its actions form one ordered chain. */
  chain: string;
  /**
   * The evaluator's instance for this chain when it last looked, kept while no instance has been
   * forgotten since (`looked` is the evaluator's count of forgotten instances then): a storm
   * finds its instance without a lookup by chain.
   */
  instance?: InstanceRecord;
  looked?: number;
}

/** A nested memory: one level per value the key depends on, ids at the last level. */
type Level = Map<unknown, Level | InstanceId>;

/** The instance ids of one rule's events. */
export class InstanceIds {
  readonly #rule: CompiledRule;
  /** Readers of the placeholders beyond node and rule, or undefined when ids cannot be remembered. */
  readonly #readers: readonly FieldReader[] | undefined;
  #memory: Level = new Map();
  #entries = 0;
  /** True when the key reads nothing but the rule, node, type and mount point: one id per node for each type × mount point pair. */
  readonly perPair: boolean;

  constructor(rule: CompiledRule) {
    this.#rule = rule;
    this.perPair = rule.key.fields.every((name) => FIXED_PER_PAIR.has(name));
    const fields = rule.key.fields.filter((name) => name !== 'rule' && name !== 'node');
    this.#readers = fields.some((name) => UNIQUE_PER_EVENT.has(name)) ? undefined : [...new Set(fields)].map(fieldReader);
  }

  /** The id of the instance that the event belongs to on that node; same answer as rendering the key. */
  of(node: string, event: FsEvent): InstanceId {
    const readers = this.#readers;
    if (readers === undefined) return this.#render(node, event);
    let level = this.#memory;
    let at: unknown = node;
    for (const read of readers) {
      const value = read(event);
      // Objects are rendered as JSON: two equal ones are different map keys.
      if (typeof value === 'object' && value !== null) return this.#render(node, event);
      let next = level.get(at) as Level | undefined;
      if (next === undefined) {
        next = new Map();
        this.#remember(level, at, next);
      }
      level = next;
      at = value;
    }
    let id = level.get(at) as InstanceId | undefined;
    if (id === undefined) {
      id = this.#render(node, event);
      this.#remember(level, at, id);
    }
    return id;
  }

  #remember(level: Level, at: unknown, entry: Level | InstanceId): void {
    if (++this.#entries > MAX_REMEMBERED_IDS) {
      // Started over: `level` now hangs from the old memory, so this entry is simply not kept.
      this.#memory = new Map();
      this.#entries = 0;
    }
    level.set(at, entry);
  }

  #render(node: string, event: FsEvent): InstanceId {
    const key = this.#rule.key({ rule: this.#rule.name, node, event });
    return { key, chain: chainOf(this.#rule.name, node, key) };
  }
}

/** The internal id of an instance: its actions form one ordered chain. */
export function chainOf(rule: string, node: string, key: string): string {
  return `${rule}\u0000${node}\u0000${key}`;
}
