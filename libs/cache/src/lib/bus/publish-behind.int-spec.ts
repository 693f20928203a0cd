import { Redis } from 'ioredis';
import { createCache, type TieredCache } from '../cache/create-cache';
import { connectRedis, createRedisConnection, type RedisConnection } from '../redis-connection';
import { startRedisServer } from '../testing/redis-server';
import { openRedis, uniquePrefix, until } from '../../test-support/redis-targets';
import { RedisInvalidationBus } from './redis-bus';

/**
 * A write's invalidation goes out right behind the write's L2 command, on the same standalone connection,
 * instead of after its reply: peers hear of it one round trip sooner, and Redis still runs it after the write.
 * Command order is read with MONITOR on a throwaway redis-server, so other suites' traffic is not in the log.
 */
describe('publishing behind the L2 command (standalone Redis)', () => {
  let server: Awaited<ReturnType<typeof startRedisServer>>;
  let redis: RedisConnection;
  let monitor: Redis | undefined;
  let monitorBase: Redis | undefined;
  const caches: TieredCache[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
    // The production defaults (auto-pipelining on), as services open it.
    redis = await connectRedis(createRedisConnection({ mode: 'standalone', url: server.url }));
  });

  afterAll(async () => {
    for (const cache of caches) await cache.disconnect();
    monitor?.disconnect();
    monitorBase?.disconnect();
    redis?.disconnect();
    await server?.stop();
  });

  async function pair() {
    const prefix = uniquePrefix('behind');
    const make = async (instanceId: string) => {
      const cache = createCache({
        prefix,
        l2: { redis },
        instanceId,
        metrics: false,
        ttl: { l1: '5m', l2: '10m' },
      });
      caches.push(cache);
      await cache.connect();
      return cache;
    };
    return { prefix, a: await make('a'), b: await make('b') };
  }

  it("should send a set's and a delete's invalidation right behind the L2 command, before the caller's next command", async () => {
    const { prefix, a, b } = await pair();
    const heard: string[][] = [];
    b.on('bus:received', ({ ops }) => {
      for (const op of ops) if (op.type === 'keys') heard.push([...op.keys]);
    });
    const log: string[] = [];
    // `monitor()` opens a second connection in MONITOR mode; the first is closed in afterAll too.
    monitorBase = new Redis(server.url);
    monitor = await monitorBase.monitor();
    monitor.on('monitor', (_time: string, args: string[]) => log.push(`${args[0].toLowerCase()} ${args[1]}`));

    // The marker is issued on the same connection in the same tick as the cache call, so it lands right
    // behind whatever the cache call sent at once; a publish that waited for L2's reply would come after it.
    await Promise.all([a.set('k', 'v'), redis.get('marker:1')]);
    await Promise.all([a.delete('k'), redis.get('marker:2')]);
    // MONITOR reports on a connection of its own: the last marker can reach it after both replies did.
    await until(
      () => heard.length === 2 && log.includes('get marker:2'),
      5000,
      'B to hear both invalidations and MONITOR to show the last marker',
    );

    const channel = `${prefix}__cache_bus`;
    expect(log.filter((line) => !line.startsWith('ping'))).toEqual([
      `set ${prefix}k`,
      `publish ${channel}`,
      'get marker:1',
      `unlink ${prefix}k`,
      `publish ${channel}`,
      'get marker:2',
    ]);
    expect(heard).toEqual([[`${prefix}k`], [`${prefix}k`]]);
  });

  it('should let a peer that re-reads L2 the moment it hears of a write see the new value', async () => {
    const { prefix, a, b } = await pair();
    const told = new Promise((resolve) => b.on('bus:received', resolve));
    await a.set('k', 'old');
    await told;
    const reads: (string | null)[] = [];
    b.on('bus:received', () => {
      void redis.get(`${prefix}k`).then((raw) => reads.push(raw === null ? null : JSON.parse(raw).v));
    });
    // One change at a time, so each re-read answers for the message that triggered it.
    for (let i = 1; i <= 20; i++) {
      await a.set('k', `v${i}`);
      await until(() => reads.length === i, 5000, `B to re-read after message ${i}`);
    }
    await a.delete('k');
    await until(() => reads.length === 21, 5000, 'B to re-read after the delete');
    // Every message arrives after its own write: a re-read never returns the value the message replaced.
    expect(reads).toEqual([...Array.from({ length: 20 }, (_, i) => `v${i + 1}`), null]);
  });
});

describe('RedisInvalidationBus.publishBehind()', () => {
  it('should decline, sending and queueing nothing, for a connection it does not publish on or for a Cluster', async () => {
    const standalone = await openRedis('standalone');
    const cluster = await openRedis('cluster');
    const other = await openRedis('standalone');
    try {
      const channel = `${uniquePrefix('behind-bus')}bus`;
      const onStandalone = new RedisInvalidationBus({ publisher: standalone, channel });
      const onCluster = new RedisInvalidationBus({ publisher: cluster, channel });
      const op = { type: 'keys', keys: ['k'] } as const;
      expect(onStandalone.publishBehind(other, op)).toBe(false);
      expect(onCluster.publishBehind(cluster, op)).toBe(false);
      expect(onStandalone.pendingSize + onCluster.pendingSize).toBe(0);
      // On its own standalone connection it sends at once, with nothing left for the end of the tick.
      expect(onStandalone.publishBehind(standalone, op)).toBe(true);
      expect(onStandalone.pendingSize).toBe(0);
      await until(() => onStandalone.stats.messagesSent === 1, 5000, 'the publish');
      expect(onCluster.stats.messagesSent).toBe(0);
    } finally {
      for (const client of [standalone, cluster, other]) await client.quit();
    }
  });
});
