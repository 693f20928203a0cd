import type { RedisConnection } from '../redis-connection';
import { forkCachePeer, type CachePeer } from '../../test-support/cache-peer';
import { openRedis, REDIS_TARGETS, uniquePrefix, until } from '../../test-support/redis-targets';
import { createCache, type TieredCache } from './create-cache';

/** Real OS processes, each with its own cache instance, sharing the stack's Redis. */
describe.each(REDIS_TARGETS)('TieredCache across two processes (%s)', (target) => {
  let redis: RedisConnection;
  let peers: CachePeer[] = [];
  let local: TieredCache | undefined;

  beforeAll(async () => {
    redis = await openRedis(target);
  });

  afterEach(async () => {
    await Promise.all(peers.map((peer) => peer.stop()));
    peers = [];
    await local?.disconnect();
    local = undefined;
  });

  afterAll(async () => {
    await redis.quit();
  });

  it('should run the loader exactly once for 2 processes x 500 concurrent cold misses', async () => {
    const prefix = uniquePrefix(`xproc-${target}`);
    peers = await Promise.all([forkCachePeer(target, prefix, 'p1'), forkCachePeer(target, prefix, 'p2')]);
    const startAt = Date.now() + 500;
    const results = await Promise.all(
      peers.map((peer) =>
        peer.request<string[]>(
          { cmd: 'stampede', key: 'hot', concurrency: 500, startAt, loadMs: 200 },
          30_000,
        ),
      ),
    );
    expect(Number(await redis.get(`${prefix}loads`))).toBe(1);
    // Both processes returned the same single value: the one the lease holder loaded.
    expect(new Set(results.flat()).size).toBe(1);
    await redis.del(`${prefix}loads`);
  });

  it('should evict a key from the other process L1 when this process overwrites it (bus)', async () => {
    const prefix = uniquePrefix(`xbus-${target}`);
    peers = [await forkCachePeer(target, prefix, 'peer')];
    local = createCache({
      prefix,
      l2: { redis },
      instanceId: 'local',
      metrics: false,
      ttl: { l1: '5m', l2: '10m' },
    });
    await local.connect();

    await local.set('bid:1', { amount: 1 });
    expect(await peers[0].request({ cmd: 'get', key: 'bid:1' })).toEqual({ amount: 1 });
    await local.set('bid:1', { amount: 2 });
    await until(
      async () => JSON.stringify(await peers[0].request({ cmd: 'get', key: 'bid:1' })) === '{"amount":2}',
      5000,
      'the peer process to see the new value',
    );

    // And the other way round: the peer's write evicts this process's L1.
    expect(await local.get('bid:2')).toBeUndefined();
    await peers[0].request({ cmd: 'set', key: 'bid:2', value: 'from-peer' });
    expect(await local.get('bid:2')).toBe('from-peer');
    await local.set('bid:2', 'mine');
    await peers[0].request({ cmd: 'set', key: 'bid:2', value: 'peer-again' });
    await until(
      async () => (await local?.get('bid:2')) === 'peer-again',
      5000,
      'this process to see the peer value',
    );
  });
});
