import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { EventEnvelope } from '@platform/contracts';
import { OutboxService, type CommittedOutboxEvent } from '@platform/database';
import { CONSUMER_METRICS } from '../kafka/consumer/consumer-metrics.provider';
import type { ConsumerMetrics } from '../kafka/consumer/consumer.metrics';
import { InvalidationApplier, type TopicEvent } from './invalidation-applier.service';

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Read-your-writes without Kafka: when a transaction that queued events in the outbox commits, applies this
 * service's invalidation map to them through {@link InvalidationApplier} (the applier the Kafka consumer
 * uses: L1 on every instance via the bus, L2, the L3 edge), before the transaction's promise resolves, so
 * the write's response is sent after the eviction. Kafka still carries the events to the other services and
 * to this service's own consumer, which evicts again (evictions are idempotent).
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
    private readonly applier: InvalidationApplier,
    @Inject(CONSUMER_METRICS) private readonly metrics: ConsumerMetrics,
  ) {}

  onModuleInit(): void {
    this.stop = this.outbox.onCommit((events) => this.evict(events));
  }

  onModuleDestroy(): void {
    this.stop?.();
  }

  /** Applies the map to the committed events of the topics it lists, in one invalidation; never rejects. */
  async evict(committed: readonly CommittedOutboxEvent[]): Promise<void> {
    const events: TopicEvent[] = [];
    for (const { topic, event } of committed) {
      const entry = this.applier.entry(topic);
      if (!entry) continue;
      try {
        // As the consumer sees it: through JSON and the topic's schema.
        events.push({ topic, event: entry.schema.parse(JSON.parse(JSON.stringify(event))) as EventEnvelope });
      } catch (error) {
        this.failed([{ topic, event }], error);
      }
    }
    if (events.length === 0) return;
    try {
      await this.applier.apply(events);
    } catch (error) {
      this.failed(events, error);
    }
  }

  private failed(events: readonly CommittedOutboxEvent[], error: unknown): void {
    for (const { topic, event } of events) {
      this.metrics.localInvalidationFailed(topic);
      this.logger.warn(
        { topic, eventId: event.eventId, err: message(error) },
        'On-commit cache eviction failed; the Kafka consumer evicts later',
      );
    }
  }
}
