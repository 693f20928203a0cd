import { Injectable } from '@nestjs/common';
import type { EventEnvelope } from '@platform/contracts';
import type { EntityManager } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { OUTBOX_TABLE } from './outbox.constants';

/** A write to the outbox outside a transaction: the event could commit without the change, or vice versa. */
export class OutboxTransactionRequiredError extends Error {
  /** Stable code for logs. */
  readonly code = 'OUTBOX.TRANSACTION_REQUIRED';

  constructor(topic: string) {
    super(`OutboxService.add(${topic}) needs the EntityManager of an open transaction`);
    this.name = 'OutboxTransactionRequiredError';
  }
}

/** Kafka message headers every outbox event carries (strings, as Kafka headers are bytes). */
export function outboxHeaders(event: EventEnvelope): Record<string, string> {
  const headers: Record<string, string> = {
    'event-id': event.eventId,
    'correlation-id': event.correlationId,
  };
  if (event.causationId) headers['causation-id'] = event.causationId;
  return headers;
}

/**
 * The producer side of the transactional outbox. `add` writes the event into `outbox_events` through the
 * caller's transaction, so the entity change and its event commit together or not at all; the relay
 * (`OutboxRelay` in `@platform/service-kit`) publishes the row to Kafka afterwards, keyed by `entityId`.
 */
@Injectable()
export class OutboxService {
  /**
   * Queues `event` for `topic` inside the transaction of `manager` (from `dataSource.transaction(...)` or
   * `repository.manager.transaction(...)`). Throws {@link OutboxTransactionRequiredError} without one.
   */
  async add(manager: EntityManager, topic: string, event: EventEnvelope): Promise<void> {
    if (!manager.queryRunner?.isTransactionActive) throw new OutboxTransactionRequiredError(topic);
    const schema = (manager.connection.options as PostgresConnectionOptions).schema ?? 'public';
    await manager.query(
      `INSERT INTO "${schema.replace(/"/g, '""')}".${OUTBOX_TABLE}
         (event_id, topic, message_key, payload, headers)
       VALUES ($1, $2, $3, $4, $5)`,
      [event.eventId, topic, event.entityId, JSON.stringify(event), JSON.stringify(outboxHeaders(event))],
    );
  }
}
