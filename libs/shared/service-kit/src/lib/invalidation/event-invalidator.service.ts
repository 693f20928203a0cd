import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EventEnvelope } from '@platform/contracts';
import { CONSUMER_METRICS } from '../kafka/consumer/event-consumer.service';
import type { ConsumerMetrics } from '../kafka/consumer/consumer.metrics';
import { INVALIDATION_SINK } from './cache-invalidation.sink';
import { InvalidationPlan, InvalidationSink, isEmptyPlan } from './invalidation-plan';
import { SmartInvalidator, TopicInvalidation } from './smart-invalidator';

/**
 * What Kafka listeners call: computes, with a {@link SmartInvalidator}, what an event makes stale according to
 * the service's invalidation map, applies it (L1 on every instance, L2, L3 edge), and records
 * `invalidation_lag_seconds` (the event's `occurredAt` → eviction done). Failures propagate to the consumer,
 * which retries (Redis down: until it is back) and never commits the offset meanwhile.
 */
@Injectable()
export class EventInvalidator {
  private readonly logger = new Logger(EventInvalidator.name);

  constructor(
    @Inject(INVALIDATION_SINK) private readonly sink: InvalidationSink,
    @Inject(CONSUMER_METRICS) private readonly metrics: ConsumerMetrics,
  ) {}

  /** A {@link SmartInvalidator} over this service's cache for one entity's rules. */
  smart<S>(entry: TopicInvalidation<S>): SmartInvalidator<S> {
    return new SmartInvalidator(entry.rules, this.sink);
  }

  /** Invalidates what `event` makes stale per `entry`; resolves the plan once it is applied everywhere. */
  async invalidate<S>(
    entry: TopicInvalidation<S>,
    event: EventEnvelope<string, S>,
  ): Promise<InvalidationPlan> {
    const plan = await this.smart(entry).onEvent(event);
    if (!isEmptyPlan(plan)) {
      this.metrics.observeInvalidationLag(entry.topic, event.occurredAt);
      this.logger.debug({ topic: entry.topic, eventId: event.eventId, ...plan }, 'Cache invalidated');
    }
    return plan;
  }
}
