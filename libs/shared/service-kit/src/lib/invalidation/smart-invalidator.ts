import type { EventEnvelope, Topic } from '@platform/contracts';
import type { z } from 'zod';
import { EMPTY_PLAN, InvalidationPlan, InvalidationSink, isEmptyPlan, mergePlans } from './invalidation-plan';

/** A list of cache names computed from one state of an entity; empty values are skipped. */
export type NamesOf<S> = (entity: S) => readonly (string | null | undefined | false)[];

/**
 * One line of an invalidation map: the keys, tags and namespaces that hold a copy of (or are derived from)
 * an entity, computed from one state of it. {@link SmartInvalidator} applies every rule to the old *and*
 * the new state of a change, so a bid moved from buyer A to buyer B evicts both buyers' lists.
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

const names = <S>(fn: NamesOf<S> | undefined, entity: S): string[] =>
  fn ? fn(entity).filter((name): name is string => typeof name === 'string' && name.length > 0) : [];

/**
 * The spec's `SmartInvalidator`: from the rules of an entity it computes the cache entries a change makes
 * stale (`onCreate(entity)`, `onUpdate(old, new)`, `onDelete(entity)`, or `onEvent(envelope)` which picks by
 * `op`) and applies them through an {@link InvalidationSink} (the engine: L1 on every instance via the
 * bus, L2, and the L3 edge by surrogate key). The `plan*` methods compute without applying.
 */
export class SmartInvalidator<S> {
  constructor(
    private readonly rules: readonly InvalidationRule<S>[],
    private readonly sink?: InvalidationSink,
  ) {}

  /** The entries a newly created entity makes stale (lists and aggregates that now miss it). */
  planCreate(entity: S): InvalidationPlan {
    return this.plan([entity], undefined);
  }

  /**
   * The entries an update makes stale, from the old and the new state. With `changedFields`, rules whose
   * `onChangeOf` fields did not change are skipped.
   */
  planUpdate(old: S, next: S, changedFields?: readonly string[]): InvalidationPlan {
    return this.plan([old, next], changedFields);
  }

  /** The entries a deleted entity makes stale. */
  planDelete(entity: S): InvalidationPlan {
    return this.plan([entity], undefined);
  }

  /**
   * The plan of an entity-change event. An update whose `before` is missing is planned from `after` alone
   * (and the reverse), with every rule applying: without the old state, over-invalidating is the safe side.
   */
  planEvent(event: EventEnvelope<string, S>): InvalidationPlan {
    const { before, after, op } = event;
    if (op === 'updated' && before !== null && after !== null) {
      return this.planUpdate(before, after, event.changedFields);
    }
    const states = [before, after].filter((state): state is NonNullable<typeof state> => state !== null);
    return states.length === 0 ? EMPTY_PLAN : this.plan(states as S[], undefined);
  }

  /** Computes and applies the plan of a creation; resolves the plan once applied. */
  onCreate(entity: S): Promise<InvalidationPlan> {
    return this.apply(this.planCreate(entity));
  }

  /** Computes and applies the plan of an update (old and new values). */
  onUpdate(old: S, next: S, changedFields?: readonly string[]): Promise<InvalidationPlan> {
    return this.apply(this.planUpdate(old, next, changedFields));
  }

  /** Computes and applies the plan of a deletion. */
  onDelete(entity: S): Promise<InvalidationPlan> {
    return this.apply(this.planDelete(entity));
  }

  /** Computes and applies the plan of an entity-change event. */
  onEvent(event: EventEnvelope<string, S>): Promise<InvalidationPlan> {
    return this.apply(this.planEvent(event));
  }

  private plan(states: readonly S[], changedFields: readonly string[] | undefined): InvalidationPlan {
    const applicable = this.rules.filter(
      (rule) =>
        changedFields === undefined ||
        rule.onChangeOf === undefined ||
        rule.onChangeOf.some((field) => changedFields.includes(field)),
    );
    return mergePlans(
      ...states.flatMap((state) =>
        applicable.map((rule) => ({
          keys: names(rule.keys, state),
          tags: names(rule.tags, state),
          namespaces: names(rule.namespaces, state),
        })),
      ),
    );
  }

  private async apply(plan: InvalidationPlan): Promise<InvalidationPlan> {
    if (!isEmptyPlan(plan)) {
      if (!this.sink) throw new Error('SmartInvalidator: no sink to apply the plan to');
      await this.sink.apply(plan);
    }
    return plan;
  }
}
