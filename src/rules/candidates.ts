/**
 * @module rules/candidates
 * The rules index: for an event's type and mount point, the rules whose `match` or `resolve` can
 * accept it, and which of the two can. Built when the rules are set (a reload builds a new one),
 * filled lazily per type × mount point and remembered, so a rule whose type or mount glob rules
 * an event out costs nothing for it: with 100 rules, an event is usually tested against none or
 * a few. Types and mount points are the two conditions every event has and that a node repeats
 * endlessly (few mount points, a fixed set of types); the rest (class, severity, device, data…)
 * is left to each matcher. Each rule's instance ids (instance-ids.ts) ride along, so a reload
 * starts them afresh too.
 */
import { eventTypes, type EventType } from '../collector/events.ts';
import type { FsEvent } from '../collector/types.ts';
import { InstanceIds, type InstanceId } from './instance-ids.ts';
import type { Matcher } from './match.ts';
import type { CompiledRule } from './parse.ts';

/** Type × mount point pairs whose candidates are remembered; beyond it the memory starts over (bounded, still correct). */
export const MAX_CANDIDATE_LISTS = 8192;

/** A rule that may concern an event of one type × mount point pair, and through which of its matchers. */
export class Candidate {
  readonly rule: CompiledRule;
  /** Its `match` accepts the pair: the rest is for match.matchesIndexed. */
  readonly match: boolean;
  /** It has a `resolve` that accepts the pair: the rest is for resolve.matchesIndexed. */
  readonly resolve: boolean;
  /** The rule's instance ids (one per rule, shared by its candidate entries). */
  readonly #ids: InstanceIds;
  /** The last node's id, kept when the key reads nothing beyond the pair and the node (the default key). */
  #node: string | undefined;
  #id: InstanceId | undefined;

  constructor(rule: CompiledRule, match: boolean, resolve: boolean, ids: InstanceIds) {
    this.rule = rule;
    this.match = match;
    this.resolve = resolve;
    this.#ids = ids;
  }

  /** The id of the instance the event belongs to on that node (same answer as InstanceIds.of). */
  idOf(node: string, event: FsEvent): InstanceId {
    if (node === this.#node) return this.#id!;
    const id = this.#ids.of(node, event);
    if (this.#ids.perPair) {
      this.#node = node;
      this.#id = id;
    }
    return id;
  }
}

/** Candidate rules per event type and mount point, for one set of rules. */
export class RuleIndex {
  /** Per type, the rules one of whose matchers accepts that type (mount points not yet looked at). */
  readonly #byType: ReadonlyMap<EventType, readonly CompiledRule[]>;
  readonly #ids: ReadonlyMap<CompiledRule, InstanceIds>;
  #byTypeAndMount = new Map<EventType, Map<string | undefined, readonly Candidate[]>>();
  #lists = 0;

  constructor(rules: readonly CompiledRule[]) {
    this.#byType = new Map(eventTypes.map((type) => [type, rules.filter((r) => acceptsType(r.match, type) || acceptsType(r.resolve, type))]));
    this.#ids = new Map(rules.map((r) => [r, new InstanceIds(r)]));
  }

  /** The rules that may concern an event of this type on this mount point (an event without one: undefined), in rule order. */
  candidates(type: EventType, mountpoint: string | undefined): readonly Candidate[] {
    let byMount = this.#byTypeAndMount.get(type);
    if (!byMount) {
      byMount = new Map();
      this.#byTypeAndMount.set(type, byMount);
    }
    let found = byMount.get(mountpoint);
    if (!found) {
      found = this.#build(type, mountpoint);
      if (++this.#lists > MAX_CANDIDATE_LISTS) {
        byMount.clear();
        this.#byTypeAndMount = new Map([[type, byMount]]);
        this.#lists = 1;
      }
      byMount.set(mountpoint, found);
    }
    return found;
  }

  #build(type: EventType, mountpoint: string | undefined): Candidate[] {
    const found: Candidate[] = [];
    for (const rule of this.#byType.get(type) ?? []) {
      const match = accepts(rule.match, type, mountpoint);
      const resolve = accepts(rule.resolve, type, mountpoint);
      if (match || resolve) found.push(new Candidate(rule, match, resolve, this.#ids.get(rule)!));
    }
    return found;
  }
}

function acceptsType(matcher: Matcher | undefined, type: EventType): boolean {
  return matcher !== undefined && (matcher.types === undefined || matcher.types.has(type));
}

function accepts(matcher: Matcher | undefined, type: EventType, mountpoint: string | undefined): boolean {
  return acceptsType(matcher, type) && matcher!.acceptsMount(mountpoint);
}
