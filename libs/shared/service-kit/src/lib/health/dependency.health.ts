import { Inject, Injectable, OnApplicationShutdown, Optional } from '@nestjs/common';
import {
  HealthIndicatorResult,
  HealthIndicatorService,
  HealthIndicatorStatus,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import type { RedisConnection, TieredCache } from '@platform/cache';
import { CACHE_INSTANCE, CACHE_METRICS_REGISTRY } from '@platform/cache/nest';
import { Gauge, Registry } from 'prom-client';
import { REDIS_CLUSTER_CONNECTION, REDIS_CONNECTION } from '../service-kit.constants';
import { KafkaService } from '../kafka/kafka.service';
import { LifecycleService } from './lifecycle.service';

const within = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error) => (clearTimeout(timer), reject(error)),
    );
  });

/** Name of the gauge that says, per dependency, whether it answered its last probe. */
export const DEPENDENCY_UP_METRIC = 'dependency_up';

/** The state of every dependency, in the shape of a terminus health check result. */
export interface DependencyReport {
  /** `ok` when every dependency is up, `degraded` when one is down. */
  status: 'ok' | 'degraded';
  /** The dependencies that are up, by name. */
  info: HealthIndicatorResult;
  /** The dependencies that are down, by name, with why. */
  error: HealthIndicatorResult;
  /** Every dependency, by name: `postgres`, `redis`, `redisCluster`, `kafka`, `cacheCircuitBreaker`. */
  details: HealthIndicatorResult;
}

/**
 * Probes of the shared dependencies (Postgres, Redis, Redis Cluster, Kafka, the cache's L2 circuit breaker),
 * each bounded in time, and the instance's own state. The probes feed `/health` and the
 * `dependency_up{dependency}` gauge on `/metrics` (refreshed on every scrape); readiness uses only
 * {@link DependencyHealthIndicators.acceptingTraffic}, because an outage of a dependency every instance
 * shares is not cured by taking instances out of rotation.
 */
@Injectable()
export class DependencyHealthIndicators implements OnApplicationShutdown {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly kafka: KafkaService,
    private readonly lifecycle: LifecycleService,
    @Inject(REDIS_CONNECTION) private readonly redis: RedisConnection,
    @Inject(REDIS_CLUSTER_CONNECTION) private readonly cluster: RedisConnection | null,
    @Optional() @Inject(CACHE_INSTANCE) private readonly cache?: TieredCache,
    @Optional() @Inject(CACHE_METRICS_REGISTRY) registry?: Registry,
  ) {
    if (registry && !registry.getSingleMetric(DEPENDENCY_UP_METRIC)) {
      const probe = () => this.dependencies();
      new Gauge({
        name: DEPENDENCY_UP_METRIC,
        help: 'Whether a dependency answered its health probe at the last scrape (1 up, 0 down)',
        labelNames: ['dependency'],
        registers: [registry],
        async collect() {
          const { details } = await probe();
          for (const [dependency, { status }] of Object.entries(details)) {
            this.set({ dependency }, status === 'up' ? 1 : 0);
          }
        },
      });
    }
  }

  private probing: Promise<DependencyReport> | undefined;

  /**
   * Every dependency probed at once: `ok` when all are up, else `degraded` (never a thrown error). Callers at
   * the same moment (a scrape and a `/health` call, several scrapers) share one probe in flight, so a
   * dependency that hangs cannot multiply slow probes; a later call probes afresh.
   */
  dependencies(): Promise<DependencyReport> {
    this.probing ??= this.probeAll().then(
      (report) => {
        this.probing = undefined;
        return report;
      },
      (error: unknown) => {
        this.probing = undefined;
        throw error;
      },
    );
    return this.probing;
  }

  private async probeAll(): Promise<DependencyReport> {
    const results = await Promise.all([
      this.postgres(),
      this.redisStandalone(),
      this.redisCluster(),
      this.kafkaBroker(),
      Promise.resolve(this.cacheCircuitBreaker()),
    ]);
    const details: HealthIndicatorResult = Object.assign({}, ...results);
    const having = (status: HealthIndicatorStatus) =>
      Object.fromEntries(Object.entries(details).filter(([, value]) => value.status === status));
    const error = having('down');
    return {
      status: Object.keys(error).length === 0 ? 'ok' : 'degraded',
      info: having('up'),
      error,
      details,
    };
  }

  /** Postgres answers `SELECT 1` on the service's own connection pool. */
  postgres(timeoutMs = 1500): Promise<HealthIndicatorResult> {
    return this.db.pingCheck('postgres', { timeout: timeoutMs });
  }

  /** Redis answers PING. */
  redisStandalone(timeoutMs = 1000): Promise<HealthIndicatorResult> {
    return this.probe('redis', () => this.redis.ping(), timeoutMs);
  }

  /** Redis Cluster answers and reports `cluster_state:ok` (skipped when no cluster is configured). */
  async redisCluster(timeoutMs = 1000): Promise<HealthIndicatorResult> {
    const cluster = this.cluster;
    if (!cluster) return this.health.check('redisCluster').up({ configured: false });
    return this.probe(
      'redisCluster',
      async () => {
        const info = String(await cluster.cluster('INFO'));
        if (!info.includes('cluster_state:ok')) throw new Error('cluster_state is not ok');
      },
      timeoutMs,
    );
  }

  /** A Kafka broker answers a metadata request. */
  kafkaBroker(timeoutMs = 3000): Promise<HealthIndicatorResult> {
    return this.probe(
      'kafka',
      async () => {
        const admin = await this.kafka.admin();
        const cluster = await admin.describeCluster();
        return { brokers: cluster.brokers.length };
      },
      timeoutMs,
    );
  }

  /** The cache's L2 circuit breaker is closed (open or half-open: the cache is serving without its L2). */
  cacheCircuitBreaker(): HealthIndicatorResult {
    const indicator = this.health.check('cacheCircuitBreaker');
    const state = this.cache?.breakerState ?? 'closed';
    return state === 'closed' ? indicator.up({ state }) : indicator.down({ state });
  }

  /**
   * Up once the service has started and until shutdown begins: whether THIS instance can take traffic.
   * Down while draining, so load balancers stop sending traffic before we close.
   */
  acceptingTraffic(): HealthIndicatorResult {
    const indicator = this.health.check('lifecycle');
    if (this.lifecycle.isShuttingDown) return indicator.down({ state: 'draining' });
    return this.lifecycle.isStarted ? indicator.up() : indicator.down({ state: 'starting' });
  }

  onApplicationShutdown(): void {
    for (const client of [this.redis, this.cluster]) client?.disconnect();
  }

  private async probe(
    key: string,
    check: () => Promise<unknown>,
    timeoutMs: number,
  ): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    try {
      const details = await within(check(), timeoutMs, key);
      return indicator.up(
        typeof details === 'object' && details !== null ? (details as Record<string, unknown>) : {},
      );
    } catch (error) {
      return indicator.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }
}
