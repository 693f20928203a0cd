import { connectRedis, createRedisConnection, type RedisConnection } from '../redis-connection';
import { startRedisServer } from '../testing/redis-server';
import { until } from '../../test-support/redis-targets';
import { createCache, type TieredCache } from './create-cache';

/**
 * Redis is killed (SIGKILL) in the middle of the test: a throwaway redis-server, never the stack's, so other
 * suites are not disturbed.
 */
describe('TieredCache when Redis dies mid-test', () => {
  let server: Awaited<ReturnType<typeof startRedisServer>>;
  let redis: RedisConnection;
  let cache: TieredCache;

  beforeAll(async () => {
    server = await startRedisServer();
    redis = await connectRedis(createRedisConnection({ mode: 'standalone', url: server.url }));
    cache = createCache({
      prefix: 'outage:',
      l2: { redis, timeout: '100ms', breaker: { failureThreshold: 3, breakDuration: '300ms' } },
      // L1 keeps serving through the outage only with bus liveness off (bus-liveness.int-spec covers it on).
      bus: { liveness: false },
      ttl: { l1: '1m', l2: '5m' },
    });
    await cache.connect();
  });

  afterAll(async () => {
    await cache?.disconnect();
    redis?.disconnect();
    await server?.stop();
  });

  it('should open the breaker, keep serving from L1 and the loader, then close again when Redis returns', async () => {
    const bids = cache.namespace<{ amount: number }>('bid');
    await bids.set('1', { amount: 1 });
    let loads = 0;
    const loader = async () => ({ amount: ++loads * 100 });

    await server.kill();

    // Every request still succeeds: cached keys from L1, the rest from the loader (the "database").
    for (let i = 0; i < 20; i++) {
      expect(await bids.get('1')).toEqual({ amount: 1 });
      const loaded = await bids.getOrSet(`miss-${i}`, loader);
      expect(loaded.amount).toBeGreaterThan(0);
      await bids.set(`w-${i}`, { amount: i }); // writes do not fail either
    }
    expect(cache.breakerState).toBe('open');
    expect(loads).toBe(20);
    // Reads of keys only L2 could have are misses, not errors.
    expect(await bids.get('never-cached')).toBeUndefined();

    await server.restart();
    await until(
      async () => {
        await bids.set('after', { amount: 42 }); // calls let the half-open probe through
        return cache.breakerState === 'closed';
      },
      15_000,
      'the breaker to close after Redis came back',
    );

    await bids.set('back', { amount: 7 });
    expect(JSON.parse((await redis.get('outage:bid:back')) as string).v).toEqual({ amount: 7 });
  });

  it('should expose the outage in metrics', async () => {
    const text = await (cache.registry as NonNullable<TieredCache['registry']>).metrics();
    expect(text).toMatch(/cache_l2_duration_seconds_count\{[^}]*outcome="short_circuit"[^}]*\} [1-9]/);
  });
});
