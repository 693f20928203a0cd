import type { ChangeOp, EventEnvelope, Topic } from '@platform/contracts';
import type { z } from 'zod';
import type { InvalidationTarget } from '@platform/cache/nest';

/** A list of cache names computed from one state of an entity; empty values are skipped. */
export type NamesOf<S> = (entity: S) => readonly (string | null | undefined | false)[];

/**
 * One line of an invalidation map: the keys, tags and namespaces that hold a copy of (or are derived from)
 * an entity, computed from one state of it. {@link planEvent} applies every rule to the old *and* the new
 * state of a change, so a bid moved from buyer A to buyer B evicts both buyers' lists.
 */
export interface InvalidationRule<S> {
  /** Why these entries depend on the entity (documentation; shows in the map's tests). */
  readonly reason?: string;
  readonly keys?: NamesOf<S>;
  readonly tags?: NamesOf<S>;
  readonly namespaces?: NamesOf<S>;
  /**
   * Only for updates that changed one of these top-level fields (the envelope's `changedFields`); creates
   * and deletes always apply. Absent: every change applies.
   */
  readonly onChangeOf?: readonly (keyof S & string)[];
  /**
   * Only for these operations (e.g. not `created` for an entry the writer fills on creation, which no read
   * can have filled before). Absent: every operation applies.
   */
  readonly ops?: readonly ChangeOp[];
}

/** The entity snapshot type of an event schema (its `before`/`after`). */
export type SnapshotOf<Schema extends z.ZodType<EventEnvelope>> = NonNullable<z.output<Schema>['after']>;

/** The rules of one topic, with the schema its events are validated against. */
export interface TopicInvalidation<S> {
  readonly topic: Topic;
  readonly schema: z.ZodType<EventEnvelope<string, S>>;
  readonly rules: readonly InvalidationRule<S>[];
}

/**
 * Declares what `topic`'s events invalidate in this service: one entry of a service's invalidation map.
 *
 * @example
 * invalidateOn(Topic.BidChanged, BidChanged.Value, [
 *   { keys: (bid) => [BidCacheKeys.bid(bid.id), BidCacheKeys.byCall(bid.callId)] },
 * ])
 */
export function invalidateOn<Schema extends z.ZodType<EventEnvelope>>(
  topic: Topic,
  schema: Schema,
  rules: readonly InvalidationRule<SnapshotOf<Schema>>[],
): TopicInvalidation<SnapshotOf<Schema>> {
  return { topic, schema: schema as unknown as z.ZodType<EventEnvelope<string, SnapshotOf<Schema>>>, rules };
}

/** A {@link TopicInvalidation} of any entity (what a map holds). */
export interface AnyTopicInvalidation {
  readonly topic: Topic;
  readonly schema: z.ZodType<EventEnvelope>;
  readonly rules: readonly InvalidationRule<never>[];
}

/** A service's invalidation map: for each consumed topic, what its events make stale in its cache. */
export interface InvalidationMap {
  readonly service: string;
  readonly entries: readonly AnyTopicInvalidation[];
  /** The entry of `topic`, if the map has one. */
  forTopic(topic: Topic): AnyTopicInvalidation | undefined;
}

/** Builds a service's invalidation map; fails fast on a topic listed twice. */
export function defineInvalidationMap(
  service: string,
  entries: readonly AnyTopicInvalidation[],
): InvalidationMap {
  const topics = entries.map((entry) => entry.topic);
  const twice = topics.find((topic, i) => topics.indexOf(topic) !== i);
  if (twice !== undefined) throw new Error(`Invalidation map of ${service} lists ${twice} twice`);
  return { service, entries, forTopic: (topic) => entries.find((entry) => entry.topic === topic) };
}

/** Whether `target` invalidates nothing. */
export const isEmptyTarget = (target: InvalidationTarget): boolean =>
  !target.keys?.length && !target.tags?.length && !target.namespaces?.length;

/**
 * Union of targets (a batch's events merged into one invalidation): every list present, de-duplicated and
 * sorted (stable output for logs and tests).
 */
export function mergeTargets(targets: readonly InvalidationTarget[]): Required<InvalidationTarget> {
  const union = (pick: (target: InvalidationTarget) => readonly string[] | undefined) => {
    const all = new Set<string>();
    for (const target of targets) for (const name of pick(target) ?? []) all.add(name);
    return [...all].sort();
  };
  return { keys: union((t) => t.keys), tags: union((t) => t.tags), namespaces: union((t) => t.namespaces) };
}

const names = <S>(fn: NamesOf<S> | undefined, entity: S): string[] =>
  fn ? fn(entity).filter((name): name is string => typeof name === 'string' && name.length > 0) : [];

/**
 * The entries `rules` make stale for the given states of an entity (one for a create or delete, old and new
 * for an update). With `changedFields`, rules whose `onChangeOf` fields did not change are skipped.
 */
export function planStates<S>(
  rules: readonly InvalidationRule<S>[],
  states: readonly S[],
  changedFields?: readonly string[],
): Required<InvalidationTarget> {
  const applicable = rules.filter(
    (rule) =>
      changedFields === undefined ||
      rule.onChangeOf === undefined ||
      rule.onChangeOf.some((field) => changedFields.includes(field)),
  );
  return mergeTargets(
    states.flatMap((state) =>
      applicable.map((rule) => ({
        keys: names(rule.keys, state),
        tags: names(rule.tags, state),
        namespaces: names(rule.namespaces, state),
      })),
    ),
  );
}

/**
 * What an entity-change event makes stale per its map entry (the spec's `SmartInvalidator`: create, update
 * with old and new state, delete). An update whose `before` is missing is planned from `after` alone (and
 * the reverse) with every rule applying: without the old state, over-invalidating is the safe side.
 */
export function planEvent<S>(
  entry: Pick<TopicInvalidation<S>, 'rules'>,
  event: EventEnvelope<string, S>,
): Required<InvalidationTarget> {
  const { before, after, op } = event;
  const rules = entry.rules.filter((rule) => rule.ops === undefined || rule.ops.includes(op as ChangeOp));
  if (op === 'updated' && before !== null && after !== null) {
    return planStates(rules, [before, after], event.changedFields);
  }
  const states = [before, after].filter((state): state is NonNullable<typeof state> => state !== null);
  return planStates(rules, states as S[]);
}
