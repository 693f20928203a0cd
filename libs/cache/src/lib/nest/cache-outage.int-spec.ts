import type { INestApplication } from '@nestjs/common';
import { createServer } from 'node:net';
import type { Registry } from 'prom-client';
import { startRedisServer, type RedisServerHandle } from '../testing/redis-server';
import { until } from '../../test-support/redis-targets';
import { CACHE_METRICS_REGISTRY } from './cache.constants';
import { CacheInvalidator } from './cache-invalidator.service';
import { CacheHealthIndicator } from './health/cache.health';
import { BidStore, BidsService, createBidsApp } from './test-fixtures/bids.fixture';

/** A port nothing listens on. */
const deadPort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });

/**
 * Redis goes away: a throwaway redis-server killed with SIGKILL (never the stack's), or a port with nothing
 * behind it. Decorated methods must keep answering from L1 and the method, the way the database would.
 */
describe('CacheModule when Redis is unavailable', () => {
  const apps: INestApplication[] = [];

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  describe('Redis killed while running', () => {
    let server: RedisServerHandle;

    beforeEach(async () => {
      server = await startRedisServer();
    });

    afterEach(async () => {
      await Promise.all(apps.splice(0).map((app) => app.close()));
      await server.stop();
    });

    it('should keep decorated methods answering, report L2 down, and recover', async () => {
      const store = new BidStore();
      store.rows.set('1', { id: '1', buyerId: 'b1', amount: 1 });
      store.rows.set('2', { id: '2', buyerId: 'b1', amount: 2 });
      const app = await createBidsApp(
        {
          prefix: 'outage:',
          redis: { mode: 'standalone', url: server.url },
          l2: { timeout: '100ms', breaker: { failureThreshold: 2, breakDuration: '200ms' } },
        },
        store,
      );
      apps.push(app);
      const bids = app.get(BidsService);
      const health = app.get(CacheHealthIndicator);
      await bids.findBid('1');
      expect(await health.isHealthy()).toMatchObject({ cache: { status: 'up', breaker: 'closed' } });

      await server.kill();

      expect(await bids.findBid('1')).toMatchObject({ amount: 1 }); // L1
      expect(store.count('findBid')).toBe(1);
      expect(await bids.findBid('2')).toMatchObject({ amount: 2 }); // the method
      await expect(bids.deleteBidAfter('1')).resolves.toBeUndefined(); // eviction fails, the call does not
      expect(await bids.findBid('1')).toMatchObject({ amount: 1 }); // ... and L1 was evicted anyway
      expect(store.count('findBid')).toBe(3);
      await expect(app.get(CacheInvalidator).delete('bid:2')).rejects.toMatchObject({
        code: 'E_L2_UNAVAILABLE',
      });
      expect(await health.isHealthy('cache', { timeout: '200ms' })).toMatchObject({
        cache: { status: 'down' },
      });
      const metrics = await app.get<Registry>(CACHE_METRICS_REGISTRY).metrics();
      expect(metrics).toMatch(/cache_decorator_errors_total\{op="evict",namespace="bid"\} 1/);

      await server.restart();
      let n = 10;
      await until(
        async () => {
          await bids.findBid(String(n++)); // misses: L2 traffic lets the breaker's probe through
          return (await health.isHealthy())['cache'].status === 'up';
        },
        15_000,
        'L2 to be healthy again',
      );
    });
  });

  describe('Redis unreachable at startup', () => {
    it('should start after connectTimeout and answer from the method', async () => {
      const store = new BidStore();
      store.rows.set('1', { id: '1', buyerId: 'b1', amount: 1 });
      const app = await createBidsApp(
        {
          prefix: 'unreachable:',
          redis: { mode: 'standalone', url: `redis://127.0.0.1:${await deadPort()}` },
          connectTimeout: '300ms',
        },
        store,
      );
      apps.push(app);
      const bids = app.get(BidsService);

      expect(await bids.findBid('1')).toMatchObject({ amount: 1 });
      await bids.updateAmount('1', 5);
      expect(await bids.findBid('1')).toMatchObject({ amount: 5 });
      expect((await app.get(CacheHealthIndicator).isHealthy())['cache'].status).toBe('down');
    });
  });
});
