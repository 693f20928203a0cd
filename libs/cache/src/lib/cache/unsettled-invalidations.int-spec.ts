import Redis from 'ioredis';
import { connectRedis, createRedisConnection, type RedisConnection } from '../redis-connection';
import { startRedisServer } from '../testing/redis-server';
import { createCache, type TieredCache } from './create-cache';

/**
 * A deletion that does not reach L2 while reads still work — what a Cluster shard looks like when a master died
 * with the delete and its promoted replica still holds the old copy — must not let the old copy be read back
 * from L2, and must land once L2 takes deletes again. Staged on a real, throwaway redis-server by taking the
 * delete commands (and scripts) away from the cache's user with an ACL, then giving them back.
 */
describe('failed L2 invalidations: kept off L2 reads, retried until they land', () => {
  let server: Awaited<ReturnType<typeof startRedisServer>>;
  let redis: RedisConnection;
  let admin: Redis;
  let cache: TieredCache;

  beforeAll(async () => {
    server = await startRedisServer();
    admin = new Redis(server.url);
    await admin.call('ACL', 'SETUSER', 'cache', 'on', 'nopass', '~*', '&*', '+@all');
    redis = await connectRedis(
      createRedisConnection({ mode: 'standalone', url: server.url.replace('redis://', 'redis://cache@') }),
    );
    cache = createCache({
      prefix: 'unsettled:',
      metrics: false,
      l2: { redis, timeout: '100ms', breaker: { failureThreshold: 100, breakDuration: '100ms' } },
      // Liveness off: this is about L2; a paused PUBLISH must not turn L1 off here.
      bus: { liveness: false },
      ttl: { l1: '10m', l2: '10m' },
    });
    await cache.connect();
  });

  const denyDeletes = () =>
    admin.call(
      'ACL',
      'SETUSER',
      'cache',
      'on',
      'nopass',
      '~*',
      '&*',
      '+@all',
      '-unlink',
      '-del',
      '-evalsha',
      '-eval',
    );
  const allowDeletes = () => admin.call('ACL', 'SETUSER', 'cache', '+@all');

  afterAll(async () => {
    await cache?.disconnect();
    redis?.disconnect();
    admin?.disconnect();
    await server?.stop();
  });

  it('should not read back a key whose delete failed, and delete it from L2 once writes return', async () => {
    const bids = cache.namespace<{ amount: number }>('bid');
    await bids.set('1', { amount: 1 });
    const settled = new Promise<void>((resolve) => cache.on('l2:settled', () => resolve()));

    await denyDeletes();
    await expect(bids.delete('1')).rejects.toMatchObject({ code: 'E_L2_UNAVAILABLE' });
    // L2 still answers reads, and still holds the old copy: the cache must not serve it.
    expect(JSON.parse((await admin.get('unsettled:bid:1')) as string).v).toEqual({ amount: 1 });
    expect(await bids.get('1')).toBeUndefined();
    expect(await bids.getOrSet('1', async () => ({ amount: 2 }))).toEqual({ amount: 2 });

    await allowDeletes();
    await settled;
    expect(await admin.get('unsettled:bid:1')).toBeNull();
  }, 20_000);

  it('should keep reads off L2 for every key of a tag whose invalidation failed', async () => {
    const bids = cache.namespace<{ amount: number }>('bid');
    await bids.set('t1', { amount: 1 }, { tags: ['buyer:7'] });
    const settled = new Promise<void>((resolve) => cache.on('l2:settled', () => resolve()));

    await denyDeletes();
    await expect(bids.invalidateTags(['buyer:7'])).rejects.toMatchObject({ code: 'E_L2_UNAVAILABLE' });
    expect(await admin.get('unsettled:bid:t1')).not.toBeNull();
    expect(await bids.get('t1')).toBeUndefined();

    await allowDeletes();
    await settled;
    expect(await admin.get('unsettled:bid:t1')).toBeNull();
  }, 20_000);

  it('should keep the other instances off the old L2 copy too until the retried delete lands', async () => {
    const peerRedis = await connectRedis(
      createRedisConnection({ mode: 'standalone', url: server.url.replace('redis://', 'redis://cache@') }),
    );
    const peer = createCache({
      prefix: 'unsettled:',
      instanceId: 'peer',
      metrics: false,
      l2: { redis: peerRedis, timeout: '100ms' },
      bus: { liveness: false },
      ttl: { l1: '10m', l2: '10m' },
    });
    await peer.connect();
    try {
      const bids = cache.namespace<{ amount: number }>('bid');
      const peerBids = peer.namespace<{ amount: number }>('bid');
      await bids.set('p1', { amount: 1 });
      const heardUnsettled = new Promise<void>((resolve) =>
        peer.on('bus:received', ({ ops }) => {
          if (ops.some((op) => op.type === 'keys' && op.unsettled)) resolve();
        }),
      );

      await denyDeletes();
      await expect(bids.delete('p1')).rejects.toMatchObject({ code: 'E_L2_UNAVAILABLE' });
      await heardUnsettled;
      // Only the retry's message can name the key settled from here on.
      const heardSettled = new Promise<void>((resolve) =>
        peer.on('bus:received', ({ ops }) => {
          if (ops.some((op) => op.type === 'keys' && !op.unsettled && op.keys.includes('unsettled:bid:p1')))
            resolve();
        }),
      );
      expect(await admin.get('unsettled:bid:p1')).not.toBeNull();
      expect(await peerBids.get('p1')).toBeUndefined();

      await allowDeletes();
      await heardSettled;
      expect(await admin.get('unsettled:bid:p1')).toBeNull();
      // Settled: the peer reads L2 again.
      await bids.set('p1', { amount: 3 });
      expect(await peerBids.get('p1')).toEqual({ amount: 3 });
    } finally {
      await peer.disconnect();
      peerRedis.disconnect();
    }
  }, 20_000);

  it('should not wait on a lease it took itself but could not release', async () => {
    const leasing = createCache({
      prefix: 'leased:',
      metrics: false,
      l2: { redis, timeout: '100ms', breaker: { failureThreshold: 100, breakDuration: '100ms' } },
      bus: { liveness: false },
      // Far longer than the test: waiting on the leftover lease would time the test out.
      lease: { ttl: '120s' },
      ttl: { l1: '10m', l2: '10m' },
    });
    await leasing.connect();
    try {
      const bids = leasing.namespace<{ amount: number }>('bid');
      // The release is a compare-and-delete script: without scripts it fails and the lease stays behind (as
      // when Redis stalls or fails over during the release, or an acquire that timed out lands later).
      await admin.call('ACL', 'SETUSER', 'cache', '-evalsha', '-eval');
      expect(await bids.getOrSet('k', async () => ({ amount: 1 }))).toEqual({ amount: 1 });
      await allowDeletes();
      expect(await admin.exists('leased:bid:k:__lease')).toBe(1);
      await bids.delete('k');
      let timer: NodeJS.Timeout | undefined;
      const loaded = await Promise.race([
        bids.getOrSet('k', async () => ({ amount: 2 })),
        new Promise((resolve) => (timer = setTimeout(() => resolve('still waiting on the lease'), 10_000))),
      ]);
      clearTimeout(timer);
      expect(loaded).toEqual({ amount: 2 });
      expect(await admin.exists('leased:bid:k:__lease')).toBe(0);
    } finally {
      await allowDeletes();
      await leasing.disconnect();
    }
  }, 30_000);
});
