import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit, type Provider } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { EventEnvelope, Topic } from '@platform/contracts';
import { OutboxService, type CommittedOutboxEvent } from '@platform/database';
import { CONSUMER_METRICS } from '../kafka/consumer/event-consumer.service';
import type { ConsumerMetrics } from '../kafka/consumer/consumer.metrics';
import { EventInvalidator } from './event-invalidator.service';
import type { InvalidationMap, TopicInvalidation } from './smart-invalidator';

/** Injection token of the service's own {@link InvalidationMap} (see {@link provideInvalidationMap}). */
export const INVALIDATION_MAP = Symbol('service-kit:invalidation-map');

/**
 * Registers the service's invalidation map, so its own writes evict its own cache when they commit (see
 * {@link CommitInvalidationService}); the same map its Kafka listeners apply.
 */
export const provideInvalidationMap = (map: InvalidationMap): Provider => ({
  provide: INVALIDATION_MAP,
  useValue: map,
});

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Read-your-writes without Kafka: when a transaction that queued events in the outbox commits, applies this
 * service's invalidation map entry of each event's topic through {@link EventInvalidator} (the applier the
 * Kafka listeners use: L1 on every instance via the bus, L2, the L3 edge), before the transaction's promise
 * resolves, so the write's response is sent after the eviction. Kafka still carries the event to the other
 * services and to this service's own consumer, which evicts again (evictions are idempotent).
 *
 * A failed eviction (Redis down) never fails the committed write: it is logged and counted in
 * `local_invalidation_failures_total{topic}`, and the Kafka consumer, which retries, evicts later.
 */
@Injectable()
export class CommitInvalidationService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(CommitInvalidationService.name);
  private stop?: () => void;

  constructor(
    private readonly outbox: OutboxService,
    private readonly invalidator: EventInvalidator,
    @Inject(CONSUMER_METRICS) private readonly metrics: ConsumerMetrics,
    private readonly moduleRef: ModuleRef,
  ) {}

  onModuleInit(): void {
    // The map is provided by the service's feature module, which this global module cannot inject from.
    let map: InvalidationMap;
    try {
      map = this.moduleRef.get<InvalidationMap>(INVALIDATION_MAP, { strict: false });
    } catch {
      this.logger.warn('No invalidation map provided: writes wait for Kafka to evict their own cache');
      return;
    }
    this.stop = this.outbox.onCommit((events) => this.evict(map, events));
  }

  onModuleDestroy(): void {
    this.stop?.();
  }

  /** Applies `map` to each committed event of a topic it lists; never rejects. */
  async evict(map: InvalidationMap, events: readonly CommittedOutboxEvent[]): Promise<void> {
    await Promise.all(
      events.map(async ({ topic, event }) => {
        const entry = map.forTopic(topic as Topic);
        if (!entry) return;
        try {
          // As the consumer sees it: through JSON and the topic's schema.
          const parsed = entry.schema.parse(JSON.parse(JSON.stringify(event))) as EventEnvelope<
            string,
            never
          >;
          await this.invalidator.invalidate(entry as TopicInvalidation<never>, parsed);
        } catch (error) {
          this.metrics.localInvalidationFailed(topic);
          this.logger.warn(
            { topic, eventId: event.eventId, err: message(error) },
            'On-commit cache eviction failed; the Kafka consumer evicts later',
          );
        }
      }),
    );
  }
}
