import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** Identity of a consumed event, as recorded in `processed_events`. */
export interface ConsumedEvent {
  eventId: string;
  topic: string;
  entityId: string;
}

/**
 * Deduplicates consumed events by `eventId` (Kafka delivers at least once). `recordOnce` is atomic:
 * of two instances racing on the same event, exactly one gets `true`.
 */
@Injectable()
export class InboxService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Records the event; returns false when it had already been processed. */
  async recordOnce(event: ConsumedEvent): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO "${this.schema}".processed_events (event_id, topic, entity_id)
       VALUES ($1, $2, $3) ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
      [event.eventId, event.topic, event.entityId],
    );
    return rows.length === 1;
  }

  /** Whether the event has been processed (EventIntake checks it before handling; tests read it too). */
  async has(eventId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM "${this.schema}".processed_events WHERE event_id = $1`,
      [eventId],
    );
    return rows.length === 1;
  }

  private get schema(): string {
    return (this.dataSource.options as { schema?: string }).schema ?? 'public';
  }
}
