import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * An event this service has already handled. Consumers insert the event id before acting, so a
 * redelivered event (Kafka is at-least-once) is recognised and skipped.
 */
@Entity({ name: 'processed_events' })
export class ProcessedEvent {
  @PrimaryColumn({ name: 'event_id', type: 'uuid' })
  eventId: string;

  @Column({ type: 'varchar', length: 200 })
  topic: string;

  @Column({ name: 'entity_id', type: 'varchar', length: 128 })
  entityId: string;

  @CreateDateColumn({ name: 'processed_at', type: 'timestamptz' })
  processedAt: Date;
}
