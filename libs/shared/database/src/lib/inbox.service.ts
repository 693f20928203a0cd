import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { prepared } from './prepared-statements';
import { quoteIdentifier } from './schema-of';

/** The inbox's statements on one schema's `processed_events`, each a named statement ({@link prepared}). */
function inboxSql(schema: string) {
  const table = `${quoteIdentifier(schema)}.processed_events`;
  return {
    recordOnce: prepared(`INSERT INTO ${table} (event_id, topic, entity_id)
       VALUES ($1, $2, $3) ON CONFLICT (event_id) DO NOTHING RETURNING event_id`),
    has: prepared(`SELECT 1 FROM ${table} WHERE event_id = $1`),
    processedAmong: prepared(`SELECT event_id FROM ${table} WHERE event_id = ANY($1::uuid[])`),
    recordMany: prepared(`INSERT INTO ${table} (event_id, topic, entity_id)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[])
       ON CONFLICT (event_id) DO NOTHING RETURNING event_id`),
  };
}

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
  private statements?: ReturnType<typeof inboxSql>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Records the event; returns false when it had already been processed. */
  async recordOnce(event: ConsumedEvent): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(this.sql.recordOnce, [
      event.eventId,
      event.topic,
      event.entityId,
    ]);
    return rows.length === 1;
  }

  /** Whether the event has been processed (EventIntake checks it before handling; tests read it too). */
  async has(eventId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(this.sql.has, [eventId]);
    return rows.length === 1;
  }

  /** Of `eventIds`, those already processed: one statement for a whole consumed batch. */
  async processedAmong(eventIds: readonly string[]): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set();
    const rows: { event_id: string }[] = await this.dataSource.query(this.sql.processedAmong, [eventIds]);
    return new Set(rows.map((row) => row.event_id));
  }

  /**
   * Records a batch of events in one statement; resolves the ids recorded now (an id missing from the
   * result had been recorded already, e.g. by another instance racing on a redelivery).
   */
  async recordMany(events: readonly ConsumedEvent[]): Promise<Set<string>> {
    if (events.length === 0) return new Set();
    const rows: { event_id: string }[] = await this.dataSource.query(this.sql.recordMany, [
      events.map((e) => e.eventId),
      events.map((e) => e.topic),
      events.map((e) => e.entityId),
    ]);
    return new Set(rows.map((row) => row.event_id));
  }

  /** Built on first use: the data source's options are final by then. */
  private get sql(): ReturnType<typeof inboxSql> {
    return (this.statements ??= inboxSql(
      (this.dataSource.options as { schema?: string }).schema ?? 'public',
    ));
  }
}
