/**
 * @module rules/activity
 * What each rule has done since the daemon started — events it matched, resolving events, fires,
 * undos, and the last event it matched — so that "did my rule see that event?" has an answer in
 * the API (GET /api/v1/rules) without turning on debug logs. Kept by rule name, across reloads.
 */
import type { FsEvent } from '../collector/types.ts';

/** One rule's figures. */
export interface RuleActivity {
  /** Events its `match` accepted (each one, also those deduplicated or counted towards `count`). */
  matched: number;
  /** Events its `resolve` accepted while an instance could be resolved. */
  resolving: number;
  fired: number;
  undone: number;
  /** The last event it matched. */
  lastMatch?: { seq: number; time: string; node: string; type: string };
}

/** The figures of every rule that has done anything. */
export class RuleActivityLog {
  readonly #byRule = new Map<string, RuleActivity>();

  /** An event the rule's match accepted. */
  matched(rule: string, event: FsEvent, node: string): void {
    const activity = this.#of(rule);
    activity.matched++;
    // Updated in place: no allocation per event in a storm.
    const last = (activity.lastMatch ??= { seq: 0, time: '', node: '', type: '' });
    last.seq = event.seq;
    last.time = event.time;
    last.node = node;
    last.type = event.type;
  }

  /** An event the rule's resolve accepted. */
  resolving(rule: string): void {
    this.#of(rule).resolving++;
  }

  /** A fire or an undo handed to the action queue. */
  acted(rule: string, phase: 'fire' | 'undo'): void {
    const activity = this.#of(rule);
    if (phase === 'fire') activity.fired++;
    else activity.undone++;
  }

  /** Figures of these rules (zeros for one that has done nothing yet). */
  of(rules: readonly string[]): Record<string, RuleActivity> {
    return Object.fromEntries(rules.map((name) => {
      const activity = this.#byRule.get(name) ?? { matched: 0, resolving: 0, fired: 0, undone: 0 };
      return [name, { ...activity, ...(activity.lastMatch ? { lastMatch: { ...activity.lastMatch } } : {}) }];
    }));
  }

  #of(rule: string): RuleActivity {
    let activity = this.#byRule.get(rule);
    if (!activity) {
      activity = { matched: 0, resolving: 0, fired: 0, undone: 0 };
      this.#byRule.set(rule, activity);
    }
    return activity;
  }
}
