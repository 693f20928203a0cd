import { Logger, type Provider } from '@nestjs/common';
import type { RedisConnection } from '@platform/cache';
import { CACHE_METRICS_REGISTRY } from '@platform/cache/nest';
import type { ServiceConfig } from '@platform/config';
import { Counter, Registry } from 'prom-client';
import { REDIS_CLUSTER_CONNECTION, REDIS_CONNECTION, SERVICE_CONFIG } from '../service-kit.constants';
import { RateLimiter } from './rate-limiter';

/** Names of the rate limit series, exported so dashboards and tests use the same strings. */
export const RATE_LIMIT_DECISIONS_METRIC = 'rate_limit_decisions_total';
export const RATE_LIMIT_FALLBACKS_METRIC = 'rate_limit_fallbacks_total';

/** Injection token of the service's {@link RateLimiter}, `null` when `RATE_LIMIT_ENABLED` is off. */
export const RATE_LIMITER = Symbol('service-kit:rate-limiter');
/** Injection token of the {@link RateLimitMetrics}. */
export const RATE_LIMIT_METRICS = Symbol('service-kit:rate-limit-metrics');

/** The counters the limiter reports on `/metrics`. */
export interface RateLimitMetrics {
  /** `rate_limit_decisions_total{service,route,outcome}`: `allowed` or `limited`, per route pattern. */
  decisions: Counter<'service' | 'route' | 'outcome'>;
  /** `rate_limit_fallbacks_total{service,reason}`: decisions made in memory because Redis could not answer. */
  fallbacks: Counter<'service' | 'reason'>;
}

const logger = new Logger('RateLimit');

/** The limiter's counters and the limiter itself, on the service's L2 Redis (standalone or Cluster, per `CACHE_L2`). */
export const rateLimitProviders: Provider[] = [
  {
    provide: RATE_LIMIT_METRICS,
    inject: [{ token: CACHE_METRICS_REGISTRY, optional: true }],
    useFactory: (registry?: Registry | null): RateLimitMetrics => {
      const registers = [registry ?? new Registry()];
      return {
        decisions: new Counter({
          name: RATE_LIMIT_DECISIONS_METRIC,
          help: 'Per-client rate limit decisions, by route pattern and outcome (allowed, limited)',
          labelNames: ['service', 'route', 'outcome'],
          registers,
        }),
        fallbacks: new Counter({
          name: RATE_LIMIT_FALLBACKS_METRIC,
          help: 'Rate limit decisions made in process memory because Redis failed or was too slow',
          labelNames: ['service', 'reason'],
          registers,
        }),
      };
    },
  },
  {
    provide: RATE_LIMITER,
    inject: [SERVICE_CONFIG, REDIS_CONNECTION, REDIS_CLUSTER_CONNECTION, RATE_LIMIT_METRICS],
    useFactory: (
      config: ServiceConfig,
      standalone: RedisConnection,
      cluster: RedisConnection | null,
      metrics: RateLimitMetrics,
    ): RateLimiter | null => {
      if (!config.limits.rateLimit.enabled) return null;
      return new RateLimiter({
        redis: config.cache.l2 === 'cluster' ? cluster : standalone,
        prefix: config.cache.prefix,
        timeoutMs: config.limits.rateLimit.redisTimeoutMs,
        onFallback: (reason, error) => {
          metrics.fallbacks.inc({ service: config.name, reason });
          if (reason !== 'open') {
            logger.warn(
              { reason, err: (error as Error | undefined)?.message },
              'Rate limit judged in memory: Redis did not answer',
            );
          }
        },
      });
    },
  },
];
