import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import type { RedisConnection } from '@platform/cache';
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

/** Health indicators for Redis, Redis Cluster, Kafka and the shutdown state, each bounded in time. */
@Injectable()
export class DependencyHealthIndicators implements OnApplicationShutdown {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly kafka: KafkaService,
    private readonly lifecycle: LifecycleService,
    @Inject(REDIS_CONNECTION) private readonly redis: RedisConnection,
    @Inject(REDIS_CLUSTER_CONNECTION) private readonly cluster: RedisConnection | null,
  ) {}

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

  /** Down once shutdown has begun, so load balancers stop sending traffic before we close. */
  acceptingTraffic(): HealthIndicatorResult {
    const indicator = this.health.check('lifecycle');
    return this.lifecycle.isShuttingDown ? indicator.down({ state: 'draining' }) : indicator.up();
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
