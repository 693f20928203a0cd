import Redis from 'ioredis';
import { connectRedis, createRedisConnection, type RedisConnection } from '../redis-connection';
import { startRedisServer } from '../testing/redis-server';
import { until } from '../../test-support/redis-targets';
import { createCache, type TieredCache } from './create-cache';

/**
 * Bus liveness on a real, throwaway redis-server (never the stack's): two instances share L2 and the bus; one
 * has a value in L1 and the source changes while Redis is dead or stalled, so the invalidation cannot reach it.
 * Without liveness it keeps serving its L1 copy until the L1 TTL (10 min here); with it, once its own
 * heartbeats stop coming back it serves nothing from L1, and drops L1 when it hears the bus again.
 */
describe('bus liveness: L1 is not served while the bus is silent', () => {
  let server: Awaited<ReturnType<typeof startRedisServer>>;
  const opened: { cache: TieredCache; redis: RedisConnection }[] = [];

  beforeAll(async () => {
    server = await startRedisServer({ args: ['--enable-debug-command', 'local'] });
  });

  afterEach(async () => {
    for (const { cache, redis } of opened.splice(0)) {
      await cache.disconnect();
      redis.disconnect();
    }
  });

  afterAll(async () => {
    await server?.stop();
  });

  async function instance(name: string, liveness: '300ms' | false): Promise<TieredCache> {
    const redis = await connectRedis(createRedisConnection({ mode: 'standalone', url: server.url }));
    const cache = createCache({
      prefix: 'liveness:',
      instanceId: name,
      metrics: false,
      l2: { redis, timeout: '100ms', breaker: { failureThreshold: 2, breakDuration: '200ms' } },
      bus: { liveness },
      ttl: { l1: '10m', l2: '10m' },
    });
    await cache.connect();
    opened.push({ cache, redis });
    return cache;
  }

  const silent = (cache: TieredCache) =>
    new Promise<void>((resolve) => cache.on('bus:silent', () => resolve()));
  const heardAgain = (cache: TieredCache) =>
    new Promise<void>((resolve) =>
      cache.on('bus:resync', ({ reason }) => {
        if (reason === 'silence') resolve();
      }),
    );

  /** The "database": what a loader reads. */
  const source = { amount: 1 };
  const load = async () => ({ ...source });

  it('should stop serving L1 once Redis is killed, and serve it again after Redis returns', async () => {
    source.amount = 1;
    const reader = await instance('reader', '300ms');
    const bids = reader.namespace<{ amount: number }>('bid');
    expect(await bids.getOrSet('1', load)).toEqual({ amount: 1 });
    expect(bids.peek('1')).toEqual({ amount: 1 }); // peek now keeps a handle on the L1 entry
    const wentSilent = silent(reader);
    const back = heardAgain(reader);

    await server.kill();
    // The writer's change: its invalidation has nowhere to go while Redis is dead.
    source.amount = 2;
    await wentSilent;
    expect(await bids.getOrSet('1', load)).toEqual({ amount: 2 });
    expect(await bids.get('1')).toBeUndefined();
    expect(bids.peek('1')).toBeUndefined();

    await server.restart();
    await back;
    // Trusted again: a value loaded now is served from L1 (the loader is not asked a second time).
    source.amount = 3;
    expect(await bids.getOrSet('1', load)).toEqual({ amount: 3 });
    source.amount = 4;
    expect(await bids.getOrSet('1', load)).toEqual({ amount: 3 });
    expect(bids.peek('1')).toEqual({ amount: 3 });
  }, 30_000);

  it('should stop serving L1 while Redis is stalled (DEBUG SLEEP) and a peer invalidation is held up', async () => {
    const reader = await instance('reader', '300ms');
    const writer = await instance('writer', '300ms');
    const readerBids = reader.namespace<{ amount: number }>('bid');
    const writerBids = writer.namespace<{ amount: number }>('bid');
    await writerBids.set('2', { amount: 10 });
    expect(await readerBids.get('2')).toEqual({ amount: 10 });
    const wentSilent = silent(reader);
    const back = heardAgain(reader);

    const admin = new Redis(server.url, { maxRetriesPerRequest: 0 });
    const stall = admin.call('DEBUG', 'SLEEP', '2');
    // Issued while Redis sleeps: its L2 write and its bus message wait behind the stall.
    const write = writerBids.set('2', { amount: 11 }).catch(() => undefined);
    await wentSilent;
    // L2 cannot answer in time either: the read misses instead of serving the held-up old value.
    expect(await readerBids.get('2')).toBeUndefined();
    await stall;
    admin.disconnect();
    await write;
    await back;
    await until(async () => (await readerBids.get('2'))?.amount === 11, 5000, 'the new value');
  }, 30_000);

  it('should keep serving L1 through a Redis outage with liveness off (bounded only by the L1 TTL)', async () => {
    source.amount = 1;
    const reader = await instance('reader', false);
    const bids = reader.namespace<{ amount: number }>('bid');
    // A key of its own: the cases share one server, and the first one leaves '1' in L2.
    expect(await bids.getOrSet('off', load)).toEqual({ amount: 1 });
    await server.kill();
    source.amount = 2;
    // Far past the 300 ms window the other cases use.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await bids.getOrSet('off', load)).toEqual({ amount: 1 });
    await server.restart();
  }, 30_000);
});
