import { Injectable, Logger } from '@nestjs/common';
import type { EventEnvelope } from '@platform/contracts';
import type { DataSource, EntityManager, EntitySubscriberInterface, QueryRunner } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { OUTBOX_NOTIFY_SETTING, OUTBOX_TABLE } from './outbox.constants';
import { prepared } from './prepared-statements';
import { quoteIdentifier } from './schema-of';

/** A write to the outbox outside a transaction: the event could commit without the change, or vice versa. */
export class OutboxTransactionRequiredError extends Error {
  /** Stable code for logs. */
  readonly code = 'OUTBOX.TRANSACTION_REQUIRED';

  constructor(topic: string) {
    super(`OutboxService.add(${topic}) needs the EntityManager of an open transaction`);
    this.name = 'OutboxTransactionRequiredError';
  }
}

/** The outbox insert per schema and trigger mode, one text each (so each is prepared once per connection). */
const insertSqlByKey = new Map<string, string>();

/**
 * `unnest` keeps the array order, and the bigserial id follows it: the relay publishes in that order. A named
 * statement ({@link prepared}): at 1,000 one-event transactions a second, parsing and planning it on every
 * call was a measurable share of Postgres' CPU. `quiet` also sets {@link OUTBOX_NOTIFY_SETTING} off for the
 * rest of the transaction (before the statement's trigger runs), so its commit sends no `NOTIFY`.
 */
function insertSql(schema: string, quiet: boolean): string {
  const key = `${quiet ? 'q' : 'n'}${schema}`;
  let sql = insertSqlByKey.get(key);
  if (sql === undefined) {
    sql = prepared(`INSERT INTO ${quoteIdentifier(schema)}.${OUTBOX_TABLE}
         (event_id, topic, message_key, payload, headers)
       SELECT e, $2, k, p::jsonb, h::jsonb
         FROM unnest($1::uuid[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS t(e, k, p, h, n)${
           quiet ? `\n        WHERE set_config('${OUTBOX_NOTIFY_SETTING}', 'off', true) = 'off'` : ''
         }
        ORDER BY n`);
    insertSqlByKey.set(key, sql);
  }
  return sql;
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

/** An event a committed transaction queued in the outbox. */
export interface CommittedOutboxEvent {
  readonly topic: string;
  readonly event: EventEnvelope;
}

/**
 * Called once a transaction that queued events has committed, before the transaction's promise resolves
 * (so a request that wrote answers only after it). It must not throw: the write is committed whatever it does.
 */
export type OutboxCommitListener = (events: readonly CommittedOutboxEvent[]) => Promise<void>;

/** How a commit listener takes part. */
export interface OutboxCommitListenerOptions {
  /**
   * The listener wakes the outbox relay itself (in process, or with a `NOTIFY` of its own after the commit):
   * while one such listener is registered, the outbox's insert silences the table trigger's `NOTIFY`
   * ({@link OUTBOX_NOTIFY_SETTING}), which would make the transaction's commit wait for every other notifying
   * commit (Postgres flushes them one at a time, under one lock).
   */
  readonly wakesRelay?: boolean;
}

/**
 * The producer side of the transactional outbox. `add` writes the event into `outbox_events` through the
 * caller's transaction, so the entity change and its event commit together or not at all; the relay
 * (`OutboxRelay` in `@platform/service-kit`) publishes the row to Kafka afterwards, keyed by `entityId`.
 *
 * It also remembers the events per transaction and, once the transaction commits, hands them to the
 * {@link onCommit} listeners (service-kit evicts the writer's own cache there, without waiting for Kafka);
 * a rolled-back transaction hands over nothing.
 */
@Injectable()
export class OutboxService implements EntitySubscriberInterface {
  private readonly logger = new Logger(OutboxService.name);
  private readonly queued = new WeakMap<QueryRunner, CommittedOutboxEvent[]>();
  private readonly listeners = new Set<OutboxCommitListener>();
  /** The {@link listeners} that wake the relay themselves. */
  private readonly relayWakers = new Set<OutboxCommitListener>();

  /**
   * Queues `event` for `topic` inside the transaction of `manager` (from `dataSource.transaction(...)` or
   * `repository.manager.transaction(...)`). Throws {@link OutboxTransactionRequiredError} without one.
   */
  async add(manager: EntityManager, topic: string, event: EventEnvelope): Promise<void> {
    await this.addMany(manager, topic, [event]);
  }

  /**
   * Queues `events` for `topic`, in order, inside the transaction of `manager`, in one statement (a use case
   * that changes many entities at once). Throws {@link OutboxTransactionRequiredError} without a transaction.
   */
  async addMany(manager: EntityManager, topic: string, events: readonly EventEnvelope[]): Promise<void> {
    const runner = manager.queryRunner;
    if (!runner?.isTransactionActive) throw new OutboxTransactionRequiredError(topic);
    if (events.length === 0) return;
    const schema = (manager.connection.options as PostgresConnectionOptions).schema ?? 'public';
    await manager.query(insertSql(schema, this.relayWakers.size > 0), [
      events.map((event) => event.eventId),
      topic,
      events.map((event) => event.entityId),
      events.map((event) => JSON.stringify(event)),
      events.map((event) => JSON.stringify(outboxHeaders(event))),
    ]);
    if (this.listeners.size === 0) return;
    this.subscribeTo(manager.connection);
    let queued = this.queued.get(runner);
    if (queued === undefined) this.queued.set(runner, (queued = []));
    for (const event of events) queued.push({ topic, event });
  }

  /** Adds a listener of committed events; returns the function that removes it. */
  onCommit(listener: OutboxCommitListener, options: OutboxCommitListenerOptions = {}): () => void {
    this.listeners.add(listener);
    if (options.wakesRelay) this.relayWakers.add(listener);
    return () => {
      this.listeners.delete(listener);
      this.relayWakers.delete(listener);
    };
  }

  /** TypeORM hook: the outermost commit hands the transaction's events to the listeners. */
  async afterTransactionCommit({ queryRunner }: { queryRunner: QueryRunner }): Promise<void> {
    // A released savepoint: the outer transaction may still roll back.
    if (queryRunner.isTransactionActive) return;
    const events = this.queued.get(queryRunner);
    if (events === undefined) return;
    this.queued.delete(queryRunner);
    // A listener failure must not reach TypeORM: it would turn a committed write into a failed request.
    await Promise.all(
      [...this.listeners].map((listener) =>
        listener(events).catch((error: unknown) =>
          this.logger.error(
            `Outbox commit listener failed: ${error instanceof Error ? error.message : error}`,
          ),
        ),
      ),
    );
  }

  /** TypeORM hook: a rolled-back transaction's events never happened. */
  afterTransactionRollback({ queryRunner }: { queryRunner: QueryRunner }): void {
    if (!queryRunner.isTransactionActive) this.queued.delete(queryRunner);
  }

  /** Registers this service for the transaction events of `dataSource` (once per data source). */
  private subscribeTo(dataSource: DataSource): void {
    if (!dataSource.subscribers.includes(this)) dataSource.subscribers.push(this);
  }
}
