import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { CacheInvalidator, type InvalidationTarget } from '@platform/cache/nest';
import type { EventEnvelope, Topic } from '@platform/contracts';
import type { ConsumerMetrics } from '../kafka/consumer/consumer.metrics';
import { CONSUMER_METRICS } from '../kafka/consumer/consumer-metrics.provider';
import { INVALIDATION_MAP } from './invalidation-map.provider';
import {
  isEmptyTarget,
  mergeTargets,
  planEvent,
  type AnyTopicInvalidation,
  type InvalidationMap,
} from './invalidation-map';

/** A validated event and the topic it came from. */
export interface TopicEvent {
  readonly topic: string;
  readonly event: EventEnvelope;
}

/**
 * The one path from events to eviction: plans each event with this service's invalidation map (see
 * {@link provideInvalidationMap}), merges the plans and hands them to the cache's `CacheInvalidator` in
 * one call (L2, every instance's L1 over the bus, the L3 edge), then records `invalidation_lag_seconds`
 * per event. Both the Kafka consumer (a batch at a time) and the writer's on-commit eviction use it.
 * Rejects with the cache's error (`E_L2_UNAVAILABLE` when only L2 failed: the cache retries that itself, so
 * the consumer counts the events applied; see EventConsumerService).
 */
@Injectable()
export class InvalidationApplier implements OnModuleInit {
  private readonly logger = new Logger(InvalidationApplier.name);
  private map?: InvalidationMap;

  constructor(
    private readonly invalidator: CacheInvalidator,
    @Inject(CONSUMER_METRICS) private readonly metrics: ConsumerMetrics,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    // The map is provided by the service's feature module, which this global module cannot inject from.
    try {
      this.map = this.moduleRef.get<InvalidationMap>(INVALIDATION_MAP, { strict: false });
    } catch {
      this.map = undefined;
    }
  }

  /** The map entry of `topic`, if the service declared one. */
  entry(topic: string): AnyTopicInvalidation | undefined {
    return this.map?.forTopic(topic as Topic);
  }

  /** Evicts what `events` make stale, merged into one invalidation; resolves the merged target. */
  async apply(events: readonly TopicEvent[]): Promise<Required<InvalidationTarget>> {
    const planned = events.map(({ topic, event }) => {
      const entry = this.entry(topic);
      return entry ? planEvent(entry, event as EventEnvelope<string, never>) : {};
    });
    const target = mergeTargets(planned);
    if (isEmptyTarget(target)) return target;
    await this.invalidator.invalidate(target);
    const now = Date.now();
    events.forEach(({ topic, event }, i) => {
      if (!isEmptyTarget(planned[i])) this.metrics.observeInvalidationLag(topic, event.occurredAt, now);
    });
    this.logger.debug(
      { events: events.length, keys: target.keys.length, tags: target.tags.length },
      'Cache invalidated',
    );
    return target;
  }
}
