import { Injectable, Logger } from '@nestjs/common';
import type { EventEnvelope, Topic } from '@platform/contracts';
import { KafkaService } from './kafka.service';

/**
 * Publishes entity-change events, keyed by entity id so one entity's events keep their order.
 * Publishing happens after the database commit; a Kafka failure is logged and does not fail the write
 * that already succeeded. (The transactional outbox that removes this gap is its own issue.)
 */
@Injectable()
export class EventPublisher {
  private readonly logger = new Logger(EventPublisher.name);

  constructor(private readonly kafka: KafkaService) {}

  /** Sends the event; resolves true when the broker acknowledged it, false when it was logged as lost. */
  async publish(topic: Topic, event: EventEnvelope): Promise<boolean> {
    try {
      const producer = await this.kafka.producer();
      await producer.send({
        topic,
        acks: -1,
        messages: [
          {
            key: event.entityId,
            value: JSON.stringify(event),
            headers: { 'event-id': event.eventId, 'correlation-id': event.correlationId },
          },
        ],
      });
      return true;
    } catch (error) {
      this.logger.error({ err: error, topic, eventId: event.eventId }, 'Failed to publish event');
      return false;
    }
  }
}
