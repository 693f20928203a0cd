import type { Cache as CacheManagerCache } from 'cache-manager';
import { redisInsStore, redisStore } from 'cache-manager-ioredis-yet';
import { createCache, type TieredCache } from '../cache/create-cache';
import type { LegacyStore } from '../drivers/legacy-store.driver';
import type { RedisConnection } from '../redis-connection';
import { delay, openRedis, REDIS_TARGETS, uniquePrefix } from '../../test-support/redis-targets';
import { toCacheManager } from './cache-manager.adapter';

describe.each(REDIS_TARGETS)('toCacheManager() on real Redis (%s)', (target) => {
  let redis: RedisConnection;
  let cache: TieredCache;
  let manager: CacheManagerCache;
  let prefix: string;

  beforeAll(async () => {
    redis = await openRedis(target);
  });

  beforeEach(async () => {
    prefix = uniquePrefix(`cm-${target}`);
    cache = createCache({ prefix, l2: { redis }, metrics: false });
    await cache.connect();
    // Code written against @Inject(CACHE_MANAGER) only sees cache-manager's Cache type.
    manager = toCacheManager(cache.namespace('legacy'), { onDisconnect: () => cache.disconnect() });
  });

  afterEach(async () => {
    await manager.disconnect();
  });

  afterAll(async () => {
    await redis.quit();
  });

  it('should get, set with a ms TTL, and del like cache-manager, writing through to Redis', async () => {
    expect(await manager.get('a')).toBeUndefined();
    expect(await manager.set('a', { n: 1 }, 60_000)).toEqual({ n: 1 });
    expect(await manager.get('a')).toEqual({ n: 1 });
    expect(JSON.parse((await redis.get(`${prefix}legacy:a`)) as string).v).toEqual({ n: 1 });
    const expires = await manager.ttl('a');
    expect(expires as number).toBeGreaterThan(Date.now() + 50_000);
    expect(await manager.del('a')).toBe(true);
    expect(await manager.get('a')).toBeUndefined();
  });

  it('should honour a TTL shorter than the L1 default', async () => {
    await manager.set('short', 1, 150);
    await delay(250);
    expect(await manager.get('short')).toBeUndefined();
  });

  it('should mget, mset and mdel across slots', async () => {
    const list = Array.from({ length: 30 }, (_, i) => ({ key: `m${i}`, value: i }));
    await manager.mset(list);
    expect(await manager.mget([...list.map((e) => e.key), 'none'])).toEqual([
      ...list.map((e) => e.value),
      undefined,
    ]);
    await manager.mdel(list.slice(0, 10).map((e) => e.key));
    expect((await manager.mget(list.map((e) => e.key))).filter((v) => v !== undefined)).toHaveLength(20);
  });

  it('should wrap with one load for concurrent callers and clear the namespace', async () => {
    let calls = 0;
    const load = async () => {
      calls++;
      await delay(30);
      return 'w';
    };
    const values = await Promise.all(Array.from({ length: 100 }, () => manager.wrap('w', load, 60_000)));
    expect(values.every((v) => v === 'w')).toBe(true);
    expect(calls).toBe(1);
    expect(await manager.clear()).toBe(true);
    expect(await manager.get('w')).toBeUndefined();
  });

  it('should reject a negative TTL with a typed error', async () => {
    await expect(manager.set('bad', 1, -1)).rejects.toMatchObject({ code: 'E_CACHE_INVALID_OPTION' });
  });
});

describe.each(REDIS_TARGETS)('a cache-manager v5 store (cache-manager-ioredis-yet) as L2 (%s)', (target) => {
  let redis: RedisConnection;

  beforeAll(async () => {
    redis = await openRedis(target);
  });

  afterAll(async () => {
    await redis.quit();
  });

  it('should serve get/set/getMany/getOrSet/delete through the v5 store', async () => {
    const store = (target === 'standalone'
      ? await redisStore({
          host: '127.0.0.1',
          port: Number(new URL(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:16379').port),
        })
      : redisInsStore(redis as Parameters<typeof redisInsStore>[0])) as unknown as LegacyStore;
    const prefix = uniquePrefix(`v5-${target}`);
    const a = createCache({ prefix, l2: { store }, metrics: false, bus: false });
    const b = createCache({ prefix, l2: { store }, metrics: false, bus: false });
    try {
      await a.set('k', { v: 5 }, { ttl: { l1: '1s', l2: '1m' } });
      expect(await b.get('k')).toEqual({ v: 5 }); // from L2 (the v5 store), b never saw it
      const keys = Array.from({ length: 20 }, (_, i) => `m${i}`);
      await a.setMany(keys.map((key) => ({ key, value: key })));
      expect(await b.getMany(keys)).toEqual(keys);
      let calls = 0;
      expect(await b.getOrSet('loaded', async () => (calls++, 'x'))).toBe('x');
      expect(await a.getOrSet('loaded', async () => (calls++, 'y'))).toBe('x');
      expect(calls).toBe(1);
      expect(await a.delete('k')).toBe(true);
      expect(await store.get(`${prefix}k`)).toBeUndefined(); // gone from L2 (b's L1 copy lives on: no bus here)
      expect(await a.clear()).toBeGreaterThanOrEqual(21);
    } finally {
      await a.disconnect();
      await b.disconnect();
      if (target === 'standalone')
        await (store as unknown as { client: { quit(): Promise<unknown> } }).client.quit();
    }
  });
});
