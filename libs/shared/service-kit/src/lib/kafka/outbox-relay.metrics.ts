import { Counter, Gauge, Registry } from 'prom-client';

/** Gets the metric `name` from `registry`, creating it once (several relays may share one registry). */
const single = <M>(registry: Registry, name: string, create: () => M): M =>
  (registry.getSingleMetric(name) as M | undefined) ?? create();

/**
 * Prometheus metrics of the outbox relay, labelled by schema (one schema per service):
 * backlog and its age (the numbers to alert on), publish throughput and errors, and leadership.
 */
export class OutboxRelayMetrics {
  /** Rows waiting to be published. */
  readonly pending: Gauge<'schema'>;
  /** Age of the oldest waiting row: how stale consumers' caches may be. */
  readonly oldestPendingAge: Gauge<'schema'>;
  /** Events acknowledged by Kafka. */
  readonly published: Counter<'schema' | 'topic'>;
  /** Failed publish attempts (each failed batch counts once). */
  readonly publishErrors: Counter<'schema'>;
  /** Sent rows deleted after the retention period. */
  readonly pruned: Counter<'schema'>;
  /** 1 while this relay holds the schema's relay lock, 0 while it stands by. */
  readonly leader: Gauge<'schema'>;

  constructor(readonly registry: Registry) {
    const registers = [registry];
    this.pending = single(
      registry,
      'outbox_pending_events',
      () =>
        new Gauge({
          name: 'outbox_pending_events',
          help: 'Outbox rows committed but not yet published to Kafka',
          labelNames: ['schema'],
          registers,
        }),
    );
    this.oldestPendingAge = single(
      registry,
      'outbox_oldest_pending_age_seconds',
      () =>
        new Gauge({
          name: 'outbox_oldest_pending_age_seconds',
          help: 'Age of the oldest unpublished outbox row (0 when none is pending)',
          labelNames: ['schema'],
          registers,
        }),
    );
    this.published = single(
      registry,
      'outbox_events_published_total',
      () =>
        new Counter({
          name: 'outbox_events_published_total',
          help: 'Outbox events acknowledged by Kafka',
          labelNames: ['schema', 'topic'],
          registers,
        }),
    );
    this.publishErrors = single(
      registry,
      'outbox_publish_errors_total',
      () =>
        new Counter({
          name: 'outbox_publish_errors_total',
          help: 'Failed attempts to publish a batch of outbox events',
          labelNames: ['schema'],
          registers,
        }),
    );
    this.pruned = single(
      registry,
      'outbox_events_pruned_total',
      () =>
        new Counter({
          name: 'outbox_events_pruned_total',
          help: 'Sent outbox rows deleted after the retention period',
          labelNames: ['schema'],
          registers,
        }),
    );
    this.leader = single(
      registry,
      'outbox_relay_leader',
      () =>
        new Gauge({
          name: 'outbox_relay_leader',
          help: '1 while this instance relays the schema, 0 while it stands by',
          labelNames: ['schema'],
          registers,
        }),
    );
  }
}
