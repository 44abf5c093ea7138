/**
 * @module api/metrics/capped-children
 * Labelled children of a prom-client metric, cached for the hot path and capped in number: label
 * values that come from outside a closed registry (source names of injected events, rule names)
 * must not be able to grow the series without end.
 */

/**
 * Most label combinations one metric keeps. A real daemon stays far below it (types, sources and
 * rules come from registries and config); past it, new combinations share one "other" series.
 */
export const MAX_LABEL_SETS = 1024;

/** The label value that stands for every combination past MAX_LABEL_SETS. */
export const OVERFLOW_LABEL = 'other';

/** Children by label values, at most MAX_LABEL_SETS of them. */
export class CappedChildren<L extends Record<string, string>, C> {
  readonly #children = new Map<string, C>();
  readonly #make: (labels: L) => C;

  /** `make` is the metric's own `labels(...)` call. */
  constructor(make: (labels: L) => C) {
    this.#make = make;
  }

  /** The child for `labels`; past the cap, the child for `overflow(labels)` (not cached: prom-client keeps it). */
  get(labels: L, overflow: (labels: L) => L): C {
    const key = Object.values(labels).join('\u0000');
    const child = this.#children.get(key);
    if (child) return child;
    if (this.#children.size >= MAX_LABEL_SETS) return this.#make(overflow(labels));
    const made = this.#make(labels);
    this.#children.set(key, made);
    return made;
  }
}
