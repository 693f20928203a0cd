/**
 * What one change makes stale in one service's cache: full keys (`bid:42`), tags, and namespaces cleared
 * as a whole (`routing:geo` = every `routing:geo:…` key). The same shape as `InvalidationTarget` of
 * `@platform/cache/nest`, so a plan can be handed to its `CacheInvalidator` as it is.
 */
export interface InvalidationPlan {
  readonly keys: readonly string[];
  readonly tags: readonly string[];
  readonly namespaces: readonly string[];
}

/**
 * Applies plans to a cache: L1 everywhere, L2 and the L3 edge. Rejects when the cache could not be updated
 * (e.g. `E_L2_UNAVAILABLE`), so the caller retries; an edge purge failure is logged, never thrown.
 */
export interface InvalidationSink {
  apply(plan: InvalidationPlan): Promise<void>;
}

/** The plan that invalidates nothing. */
export const EMPTY_PLAN: InvalidationPlan = Object.freeze({ keys: [], tags: [], namespaces: [] });

/** Whether `plan` invalidates nothing. */
export const isEmptyPlan = (plan: InvalidationPlan): boolean =>
  plan.keys.length === 0 && plan.tags.length === 0 && plan.namespaces.length === 0;

/** Union of plans, each list de-duplicated and sorted (stable output for logs and tests). */
export function mergePlans(...plans: readonly InvalidationPlan[]): InvalidationPlan {
  const union = (pick: (plan: InvalidationPlan) => readonly string[]) =>
    [...new Set(plans.flatMap(pick))].sort();
  return { keys: union((p) => p.keys), tags: union((p) => p.tags), namespaces: union((p) => p.namespaces) };
}
