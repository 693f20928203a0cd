import type { RedisConnection } from '@platform/cache';
import type { ServiceConfig } from '@platform/config';
import type { FactoryProvider } from '@nestjs/common';
import {
  RATE_LIMITER,
  RATE_LIMIT_METRICS,
  rateLimitProviders,
  type RateLimitMetrics,
} from './rate-limit.providers';
import type { RateLimiter } from './rate-limiter';

describe('rateLimitProviders', () => {
  const factory = (token: symbol) =>
    (rateLimitProviders.find((p) => (p as FactoryProvider).provide === token) as FactoryProvider).useFactory;

  /** The service's limiter over a Redis that never answers, with `redisTimeoutMs` from the config. */
  const limiterWaiting = (redisTimeoutMs: number) => {
    const metrics = factory(RATE_LIMIT_METRICS)(null) as RateLimitMetrics;
    const silent = { evalsha: () => new Promise(() => undefined) } as unknown as RedisConnection;
    const config = {
      name: 'things',
      cache: { l2: 'standalone', prefix: 'things:' },
      limits: { rateLimit: { enabled: true, points: 5, windowSeconds: 60, redisTimeoutMs } },
    } as unknown as ServiceConfig;
    return { metrics, limiter: factory(RATE_LIMITER)(config, silent, null, metrics) as RateLimiter };
  };

  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('should wait RATE_LIMIT_REDIS_TIMEOUT_MS for Redis before judging in memory', async () => {
    const { limiter, metrics } = limiterWaiting(200);
    let decided = false;
    const decision = limiter.consume('10.0.0.1', 'default', { points: 5, perSeconds: 60 }).then((d) => {
      decided = true;
      return d;
    });
    await jest.advanceTimersByTimeAsync(199);
    expect(decided).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect((await decision).allowed).toBe(true);
    expect((await metrics.fallbacks.get()).values).toEqual([
      expect.objectContaining({ labels: { service: 'things', reason: 'timeout' }, value: 1 }),
    ]);
  });
});
