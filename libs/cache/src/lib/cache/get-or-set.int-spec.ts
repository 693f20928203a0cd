import type { InvalidationBus, InvalidationOp, BusMessageMeta } from '../bus/bus';
import { RedisInvalidationBus } from '../bus/redis-bus';
import { CacheErrorCode, LoaderFailedError } from '../core/errors';
import type { RedisConnection } from '../redis-connection';
import { delay, REDIS_TARGETS, uniquePrefix, until } from '../../test-support/redis-targets';
import type { CacheEvents, CacheOptions } from './cache.types';
import { useCacheFixture } from '../../test-support/cache-fixture';
import { createCache } from './create-cache';

describe.each(REDIS_TARGETS)('TieredCache.getOrSet() on real Redis (%s)', (target) => {
  const fixture = useCacheFixture(target);
  let redis: RedisConnection;

  beforeAll(() => {
    redis = fixture.redis();
  });

  async function instance(prefix: string, options: CacheOptions = {}) {
    const cache = createCache({ prefix, l2: { redis }, metrics: false, ...options });
    fixture.track(cache);
    await cache.connect();
    return cache;
  }

  describe('refresh()', () => {
    it('should store a freshly loaded value, but not one a change on another instance replaced while it loaded', async () => {
      const prefix = uniquePrefix('refresh');
      const [warmer, writer] = [await instance(prefix), await instance(prefix)];
      expect(await warmer.refresh('k', async () => ({ v: 1 }))).toEqual({ v: 1 });
      expect(await writer.get('k')).toEqual({ v: 1 });

      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => (release = resolve));
      // The warmer read the source before the writer's change committed and evicted.
      const refreshing = warmer.refresh('k', async () => {
        await gate;
        return { v: 1 };
      });
      const heard = new Promise<void>((resolve) => warmer.on('bus:received', () => resolve()));
      await writer.delete('k');
      await heard;
      release();
      expect(await refreshing).toEqual({ v: 1 });
      expect(await warmer.get('k')).toBeUndefined();
      expect(await writer.get('k')).toBeUndefined();
    });
  });

  describe('coalescing', () => {
    it('should run the loader once for 1,000 concurrent misses in one process', async () => {
      const cache = await instance(uniquePrefix('coalesce'));
      let calls = 0;
      const loader = async () => {
        calls++;
        await delay(50);
        return { loaded: true };
      };
      const results = await Promise.all(Array.from({ length: 1000 }, () => cache.getOrSet('hot', loader)));
      expect(calls).toBe(1);
      expect(results.every((value) => (value as { loaded: boolean }).loaded)).toBe(true);
    });

    it('should run the loader once across two instances sharing Redis (lease)', async () => {
      const prefix = uniquePrefix('lease');
      const [a, b] = [await instance(prefix), await instance(prefix)];
      let calls = 0;
      const loader = async () => {
        calls++;
        await delay(100);
        return 'v';
      };
      const all = await Promise.all([
        ...Array.from({ length: 300 }, () => a.getOrSet('hot', loader)),
        ...Array.from({ length: 300 }, () => b.getOrSet('hot', loader)),
      ]);
      expect(calls).toBe(1);
      expect(new Set(all)).toEqual(new Set(['v']));
    });

    it('should not let a crashed lease holder block others beyond the lease TTL', async () => {
      const prefix = uniquePrefix('lease-crash');
      const cache = await instance(prefix, { lease: { ttl: '300ms' } });
      // A holder that took the lease and died without releasing it.
      await redis.set(`${prefix}orphan:__lease`, 'dead-holder', 'PX', 300);
      const value = await cache.getOrSet('orphan', async () => 'recovered');
      expect(value).toBe('recovered');
    });
  });

  describe('stale-while-revalidate', () => {
    it('should serve the old value past the soft TTL and refresh it once in the background', async () => {
      const cache = await instance(uniquePrefix('swr'));
      let version = 0;
      let calls = 0;
      const loader = async () => {
        calls++;
        await delay(100);
        return ++version;
      };
      expect(await cache.getOrSet('k', loader, { softTtl: '200ms', ttl: '1m' })).toBe(1);
      await delay(250);
      const during = await Promise.all(
        Array.from({ length: 20 }, () => cache.getOrSet('k', loader, { softTtl: '200ms', ttl: '1m' })),
      );
      expect(during.every((value) => value === 1)).toBe(true);
      await until(async () => (await cache.get('k')) === 2, 3000, 'the refreshed value');
      expect(calls).toBe(2);
    });
  });

  describe('grace', () => {
    it('should serve the stale value when the loader fails after expiry', async () => {
      const cache = await instance(uniquePrefix('grace'));
      const options = { ttl: '200ms', grace: '1m' } as const;
      await cache.getOrSet('k', async () => 'old', options);
      await delay(300);
      expect(await cache.get('k')).toBeUndefined();
      expect(await cache.getOrSet('k', async () => Promise.reject(new Error('db down')), options)).toBe(
        'old',
      );
    });

    it('should serve the stale value from L2 on another instance when its loader fails', async () => {
      const prefix = uniquePrefix('grace-l2');
      const a = await instance(prefix);
      const b = await instance(prefix);
      const options = { ttl: '200ms', grace: '1m' } as const;
      await a.getOrSet('k', async () => 'old', options);
      await delay(300);
      expect(await b.getOrSet('k', async () => Promise.reject(new Error('db down')), options)).toBe('old');
    });

    it('should reject with E_CACHE_LOADER_FAILED and the cause when there is no grace', async () => {
      const cache = await instance(uniquePrefix('nograce'));
      const cause = new Error('db down');
      const error = await cache.getOrSet('k', async () => Promise.reject(cause)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LoaderFailedError);
      expect(error).toMatchObject({ code: CacheErrorCode.LoaderFailed, cause });
      // A failed load caches nothing: the next call loads again.
      expect(await cache.getOrSet('k', async () => 'fine')).toBe('fine');
    });
  });

  describe('loader timeouts', () => {
    it('should return the stale value after the soft timeout and store the slow result when it arrives', async () => {
      const cache = await instance(uniquePrefix('soft'));
      const options = { ttl: '200ms', grace: '1m', timeouts: { soft: '50ms' } } as const;
      await cache.getOrSet('k', async () => 'old', options);
      await delay(300);
      const value = await cache.getOrSet(
        'k',
        async () => {
          await delay(400);
          return 'new';
        },
        options,
      );
      expect(value).toBe('old');
      await until(async () => (await cache.get('k')) === 'new', 3000, 'the slow value to be stored');
    });

    it('should reject with E_CACHE_LOADER_TIMEOUT and abort the loader after the hard timeout', async () => {
      const cache = await instance(uniquePrefix('hard'));
      let aborted = false;
      const error = await cache
        .getOrSet(
          'k',
          ({ signal }) =>
            new Promise<string>((resolve) => {
              signal.addEventListener('abort', () => (aborted = true));
              setTimeout(() => resolve('late'), 1000);
            }),
          { timeouts: { hard: '100ms' } },
        )
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: CacheErrorCode.LoaderTimeout });
      expect(aborted).toBe(true);
    });

    it('should serve stale after the hard timeout when grace allows', async () => {
      const cache = await instance(uniquePrefix('hard-grace'));
      const options = { ttl: '100ms', grace: '1m', timeouts: { hard: '100ms' } } as const;
      await cache.getOrSet('k', async () => 'old', options);
      await delay(200);
      expect(await cache.getOrSet('k', () => new Promise<string>(() => undefined), options)).toBe('old');
    });
  });

  describe('a load overtaken by a change of its key', () => {
    /** A loader that returns `value` only when `release()` is called, counting its runs. */
    function gatedLoader(value: string) {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const loader = {
        calls: 0,
        release: () => release(),
        fn: async () => (loader.calls++, await gate, value),
      };
      return loader;
    }

    it('should not store a value whose key was deleted while it loaded, and not join that load', async () => {
      const prefix = uniquePrefix('overtaken');
      const cache = await instance(prefix);
      const old = gatedLoader('old');
      const first = cache.getOrSet('k', old.fn);
      await until(() => old.calls === 1);
      await cache.delete('k'); // the source changed and was invalidated while the load was reading it
      const second = cache.getOrSet('k', async () => 'new');
      old.release();
      expect(await first).toBe('old');
      expect(await second).toBe('new');
      expect(await cache.get('k')).toBe('new');
      expect(await redis.get(`${prefix}k`)).not.toContain('old');
    });

    it('should not store it when another instance invalidated the key over the bus during the load', async () => {
      const prefix = uniquePrefix('overtaken-bus');
      const [a, b] = [await instance(prefix), await instance(prefix)];
      const old = gatedLoader('old');
      const loading = b.getOrSet('k', old.fn);
      await until(() => old.calls === 1);
      const heard = new Promise((resolve) => b.on('bus:received', resolve));
      await a.delete('k');
      await heard;
      old.release();
      expect(await loading).toBe('old');
      expect(await b.get('k')).toBeUndefined();
      expect(await a.get('k')).toBeUndefined();
      expect(await redis.exists(`${prefix}k`)).toBe(0);
    });
  });

  describe('a fill that an invalidation from another instance raced', () => {
    /**
     * A real Redis bus whose deliveries to this instance can be held back: the message of a change that
     * reaches the instance only after its load wrote L2 (the load read the source before the change).
     */
    function lateBus(prefix: string) {
      const inner = new RedisInvalidationBus({ publisher: redis, channel: `${prefix}__cache_bus` });
      let handler: (ops: readonly InvalidationOp[], meta: BusMessageMeta) => void = () => undefined;
      let held: (() => void)[] | undefined;
      inner.onMessage((ops, meta) => (held ? held.push(() => handler(ops, meta)) : handler(ops, meta)));
      const bus: InvalidationBus = {
        instanceId: inner.instanceId,
        publish: (op) => inner.publish(op),
        onMessage: (h) => void (handler = h),
        onResync: (h) => inner.onResync(h),
        start: () => inner.start(),
        stop: () => inner.stop(),
      };
      return {
        bus,
        hold: () => void (held = []),
        release: () => {
          const late = held ?? [];
          held = undefined;
          late.forEach((deliver) => deliver());
        },
      };
    }

    it.each([
      ['a key', (a: Awaited<ReturnType<typeof instance>>) => a.delete('k')],
      ['a tag', (a: Awaited<ReturnType<typeof instance>>) => a.invalidateTags(['t'])],
    ])(
      'should delete the fill from L2 again when the invalidation of %s arrives after its write',
      async (_what, invalidate) => {
        const prefix = uniquePrefix('late-bus');
        const late = lateBus(prefix);
        const [a, b] = [await instance(prefix), await instance(prefix, { bus: { bus: late.bus } })];
        late.hold();
        // A changes the source and invalidates: its L2 delete lands, its message to B is slow.
        await invalidate(a);
        // B's load had read the source before the change; its write lands after A's delete.
        expect(await b.getOrSet('k', async () => 'old', { tags: ['t'] })).toBe('old');
        expect(await redis.get(`${prefix}k`)).toContain('old');
        const repaired = new Promise<CacheEvents['l2:repaired']>((resolve) => b.on('l2:repaired', resolve));
        late.release();
        const event = await repaired;
        expect(await redis.exists(`${prefix}k`)).toBe(0);
        expect(event).toEqual({ keys: [`${prefix}k`], kept: [] });
        expect(await b.get('k')).toBeUndefined();
        expect(await a.get('k')).toBeUndefined();
      },
    );

    it.each([
      ['a key', (a: Awaited<ReturnType<typeof instance>>) => a.delete('k')],
      ['a tag', (a: Awaited<ReturnType<typeof instance>>) => a.invalidateTags(['t'])],
    ])(
      'should keep the new value the invalidating instance refilled before the invalidation of %s reached the filler',
      async (_what, invalidate) => {
        const prefix = uniquePrefix('late-bus-refilled');
        const late = lateBus(prefix);
        const [a, b] = [await instance(prefix), await instance(prefix, { bus: { bus: late.bus } })];
        late.hold();
        await invalidate(a);
        // B's stale fill lands after A's delete, as above.
        expect(await b.getOrSet('k', async () => 'old', { tags: ['t'] })).toBe('old');
        // A refills the key right after its eviction (what the services do for hot keys), before B hears of it.
        expect(await a.refresh('k', async () => 'new', { tags: ['t'] })).toBe('new');
        expect(await redis.get(`${prefix}k`)).toContain('new');
        const repaired = new Promise<CacheEvents['l2:repaired']>((resolve) => b.on('l2:repaired', resolve));
        late.release();
        // B's repair ran and left A's value alone: it deletes only its own fill.
        const event = await repaired;
        expect(await redis.get(`${prefix}k`)).toContain('new');
        expect(event).toEqual({ keys: [], kept: [`${prefix}k`] });
        expect(await b.get('k')).toBe('new');
        expect(await a.get('k')).toBe('new');
      },
    );
  });

  describe('uncacheable values', () => {
    it('should return a loaded value that is too large to cache instead of failing the call', async () => {
      const cache = await instance(uniquePrefix('large'), { l1: { maxEntryBytes: '1KB' } });
      const big = 'x'.repeat(5000);
      expect(await cache.getOrSet('k', async () => big)).toBe(big);
      expect(await cache.get('k')).toBeUndefined();
    });
  });
});
