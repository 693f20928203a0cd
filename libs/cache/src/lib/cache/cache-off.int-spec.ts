import { CacheErrorCode } from '../core/errors';
import type { RedisConnection } from '../redis-connection';
import { uniquePrefix, until, REDIS_TARGETS } from '../../test-support/redis-targets';
import { useCacheFixture } from '../../test-support/cache-fixture';
import { createCache } from './create-cache';

interface Bid {
  id: string;
  amount: number;
}

/**
 * The cache-off switch (`enabled: false`) on real Redis: an instance with it never serves a stored value, runs
 * its loader on every call, and its writes and invalidations still reach L2 and the instances whose cache is
 * on, so a fleet that mixes both never serves an older value.
 */
describe.each(REDIS_TARGETS)('createCache({ enabled: false }) on real Redis (%s)', (target) => {
  const fixture = useCacheFixture(target);
  let redis: RedisConnection;

  beforeAll(() => {
    redis = fixture.redis();
  });

  /** An instance with the cache on and one with it off, sharing L2 and the bus channel. */
  async function pair() {
    const prefix = uniquePrefix(`cache-off-${target}`);
    const make = async (instanceId: string, enabled: boolean) => {
      const cache = createCache({ prefix, l2: { redis }, instanceId, metrics: false, enabled });
      fixture.track(cache);
      await cache.connect();
      return cache;
    };
    return { prefix, on: await make('on', true), off: await make('off', false) };
  }

  it('should never serve a stored value, and run the loader on every getOrSet without storing it', async () => {
    const { prefix, on, off } = await pair();
    expect(off.enabled).toBe(false);
    await on.namespace<Bid>('bid').set('1', { id: '1', amount: 1 });
    const bids = off.namespace<Bid>('bid');

    expect(await bids.get('1')).toBeUndefined();
    expect(await bids.getMany(['1'])).toEqual([undefined]);
    expect(bids.peek('1')).toBeUndefined();
    expect(await bids.has('1')).toBe(false);
    expect(await bids.ttl('1')).toBeUndefined();

    let loads = 0;
    const load = () => ({ id: '2', amount: ++loads });
    expect(await bids.getOrSet('2', load)).toEqual({ id: '2', amount: 1 });
    expect(await bids.getOrSet('2', load)).toEqual({ id: '2', amount: 2 });
    expect(await redis.exists(`${prefix}bid:2`)).toBe(0);
  });

  it('should evict a written key everywhere instead of storing it', async () => {
    const { prefix, on, off } = await pair();
    const reader = on.namespace<Bid>('bid');
    await reader.set('1', { id: '1', amount: 1 });
    expect(reader.peek('1')).toEqual({ id: '1', amount: 1 }); // in the cache-on instance's L1

    await off.namespace<Bid>('bid').set('1', { id: '1', amount: 2 });
    expect(await redis.exists(`${prefix}bid:1`)).toBe(0);
    await until(() => reader.peek('1') === undefined);
    expect(await reader.get('1')).toBeUndefined();

    await reader.setMany([{ key: '3', value: { id: '3', amount: 3 } }]);
    await off.namespace<Bid>('bid').setMany([{ key: '3', value: { id: '3', amount: 4 } }]);
    await until(() => reader.peek('3') === undefined);
    expect(await reader.get('3')).toBeUndefined();
  });

  it('should still delete and invalidate tags in L2 and on the other instances', async () => {
    const { on, off } = await pair();
    const reader = on.namespace<Bid>('bid');
    await reader.set('1', { id: '1', amount: 1 }, { tags: ['buyer:b1'] });
    await reader.set('2', { id: '2', amount: 2 });

    await off.namespace<Bid>('bid').invalidateTags(['buyer:b1']);
    await until(() => reader.peek('1') === undefined);
    expect(await reader.get('1')).toBeUndefined();

    expect(await off.namespace<Bid>('bid').delete('2')).toBe(true);
    await until(() => reader.peek('2') === undefined);
    expect(await reader.get('2')).toBeUndefined();
  });

  it('should reject a failed load as the cache-on engine does', async () => {
    const { off } = await pair();
    const failure = new Error('database down');
    await expect(off.namespace('bid').getOrSet('1', () => Promise.reject(failure))).rejects.toMatchObject({
      code: CacheErrorCode.LoaderFailed,
      cause: failure,
    });
  });
});
