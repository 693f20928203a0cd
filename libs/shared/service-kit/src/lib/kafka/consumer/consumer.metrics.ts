import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What became of one consumed message, as counted by `events_consumed_total{outcome}`. */
export type ConsumeOutcome = 'handled' | 'duplicate' | 'dlq' | 'retry' | 'l2_deferred';

/** Metric names, exported so dashboards, alerts and tests use the same strings. */
export const CONSUMER_METRIC_NAMES = {
  consumed: 'events_consumed_total',
  lag: 'kafka_consumer_lag',
  invalidationLag: 'invalidation_lag_seconds',
  localInvalidationFailures: 'local_invalidation_failures_total',
} as const;

/** Buckets of `invalidation_lag_seconds`: from a few milliseconds (healthy) to minutes (an outage). */
const INVALIDATION_LAG_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/** Lag refreshers per registry: the gauge's `collect` is created once per registry and must see them all. */
const refreshersByRegistry = new WeakMap<Registry, Set<() => Promise<void>>>();

const existing = <T>(registry: Registry, name: string): T | undefined =>
  registry.getSingleMetric(name) as T | undefined;

/**
 * The consumer's Prometheus metrics on a prom-client registry (the one served at `/metrics`):
 * - `events_consumed_total{topic,outcome}`: handled, duplicate (skipped by `eventId`), dlq, retry (attempts),
 *   l2_deferred (events whose L2 eviction failed and is retried by the cache itself);
 * - `kafka_consumer_lag{topic,partition}`: high watermark minus committed offset, per partition this instance
 *   owns (refreshed from the broker on every scrape, so it keeps growing while the consumer is stuck);
 * - `invalidation_lag_seconds{topic}`: from the event's `occurredAt` to the end of the cache eviction it caused;
 * - `local_invalidation_failures_total{topic}`: a writer's on-commit eviction of its own cache that failed (e.g.
 *   Redis down); the event's Kafka consumer evicts later.
 * Registering twice on one registry reuses the metrics (two consumers in one process share them).
 */
export class ConsumerMetrics {
  private readonly consumedTotal: Counter<'topic' | 'outcome'>;
  private readonly lag: Gauge<'topic' | 'partition'>;
  private readonly invalidationLag: Histogram<'topic'>;
  private readonly localInvalidationFailures: Counter<'topic'>;
  private readonly refreshers: Set<() => Promise<void>>;

  constructor(readonly registry: Registry = new Registry()) {
    let refreshers = refreshersByRegistry.get(registry);
    if (refreshers === undefined) {
      refreshers = new Set();
      refreshersByRegistry.set(registry, refreshers);
    }
    this.refreshers = refreshers;
    this.consumedTotal =
      existing(registry, CONSUMER_METRIC_NAMES.consumed) ??
      new Counter({
        name: CONSUMER_METRIC_NAMES.consumed,
        help: 'Kafka messages consumed, by outcome (handled, duplicate, dlq, retry, l2_deferred)',
        labelNames: ['topic', 'outcome'],
        registers: [registry],
      });
    this.lag =
      existing(registry, CONSUMER_METRIC_NAMES.lag) ??
      new Gauge({
        name: CONSUMER_METRIC_NAMES.lag,
        help: 'Messages not yet committed by this consumer group: high watermark minus committed offset',
        labelNames: ['topic', 'partition'],
        registers: [registry],
        async collect() {
          await Promise.allSettled(
            [...(refreshersByRegistry.get(registry) ?? [])].map((refresh) => refresh()),
          );
        },
      });
    this.invalidationLag =
      existing(registry, CONSUMER_METRIC_NAMES.invalidationLag) ??
      new Histogram({
        name: CONSUMER_METRIC_NAMES.invalidationLag,
        help: "Seconds from an event's occurredAt to the end of the cache invalidation it caused",
        labelNames: ['topic'],
        buckets: INVALIDATION_LAG_BUCKETS,
        registers: [registry],
      });
    this.localInvalidationFailures =
      existing(registry, CONSUMER_METRIC_NAMES.localInvalidationFailures) ??
      new Counter({
        name: CONSUMER_METRIC_NAMES.localInvalidationFailures,
        help: "On-commit evictions of the writer's own cache that failed (the Kafka consumer evicts later)",
        labelNames: ['topic'],
        registers: [registry],
      });
  }

  /** Counts one outcome of one message. */
  consumed(topic: string, outcome: ConsumeOutcome, count = 1): void {
    this.consumedTotal.inc({ topic, outcome }, count);
  }

  /** Sets the lag of one partition. */
  setLag(topic: string, partition: number, lag: number): void {
    this.lag.set({ topic, partition: String(partition) }, Math.max(0, lag));
  }

  /** Forgets a partition's lag (it was revoked from this instance). */
  removeLag(topic: string, partition: number): void {
    this.lag.remove({ topic, partition: String(partition) });
  }

  /** Records the time from `occurredAt` (ISO 8601) to now for an invalidation that just finished. */
  observeInvalidationLag(topic: string, occurredAt: string, now = Date.now()): void {
    const at = Date.parse(occurredAt);
    if (Number.isNaN(at)) return;
    this.invalidationLag.observe({ topic }, Math.max(0, (now - at) / 1000));
  }

  /** Counts an on-commit eviction of the writer's own cache that failed. */
  localInvalidationFailed(topic: string): void {
    this.localInvalidationFailures.inc({ topic });
  }

  /**
   * Adds a function run before every scrape of `kafka_consumer_lag` (a consumer asks the broker for fresh
   * offsets there); returns the function that removes it.
   */
  onCollectLag(refresh: () => Promise<void>): () => void {
    this.refreshers.add(refresh);
    return () => this.refreshers.delete(refresh);
  }
}
