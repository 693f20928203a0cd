import { Controller, Get, Injectable, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Counter, type Registry } from 'prom-client';
import request from 'supertest';
import type { TieredCache } from '../cache/create-cache';
import type { RedisConnection, RedisConnectionOptions } from '../redis-connection';
import { REDIS_TARGETS, openRedis, uniquePrefix } from '../../test-support/redis-targets';
import { CACHE_INSTANCE, CACHE_METRICS_REGISTRY, EDGE_PURGER, getCacheToken } from './cache.constants';
import { CacheModule } from './cache.module';
import { CacheInvalidator } from './cache-invalidator.service';
import { CACHE_RESOURCES, type CacheResources } from './cache-resources';
import { CacheDecoratorError } from './decorators/cache-decorator.error';
import { CacheHealthIndicator } from './health/cache.health';
import { BidStore, BidsService, createBidsApp } from './test-fixtures/bids.fixture';
import {
  LegacyCacheManagerService,
  MisspelledKeyService,
  RecordingPurger,
  RoutingFeatureModule,
  RoutingService,
  SyncMethodService,
} from './test-fixtures/module.fixture';

/** A health endpoint as an application would write it with terminus. */
@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly cache: CacheHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.cache.isHealthy('cache')]);
  }
}

/** Registers an application metric on the cache's registry, as a Kafka consumer would. */
@Injectable()
class LagMetric {
  constructor(registry: Registry) {
    new Counter({ name: 'fixture_consumer_lag', help: 'fixture', registers: [registry] }).inc(3);
  }
}

describe.each(REDIS_TARGETS)('CacheModule over Redis (%s)', (target) => {
  let redis: RedisConnection;
  let prefix: string;
  const apps: INestApplication[] = [];
  const track = (app: INestApplication) => (apps.push(app), app);

  beforeAll(async () => {
    redis = await openRedis(target);
  });

  beforeEach(() => {
    prefix = uniquePrefix(`nest-mod-${target}`);
  });

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  afterAll(async () => {
    await redis.quit();
  });

  describe('forRootAsync()', () => {
    it('should build the cache from a factory, open its own Redis client and close it on shutdown', async () => {
      const connection: RedisConnectionOptions =
        target === 'standalone'
          ? { mode: 'standalone', url: 'redis://127.0.0.1:16379' }
          : { mode: 'cluster', nodes: ['127.0.0.1:17001', '127.0.0.1:17002', '127.0.0.1:17003'] };
      const moduleRef = await Test.createTestingModule({
        imports: [
          CacheModule.forRootAsync({
            useFactory: async () => ({ prefix, redis: connection, service: 'async' }),
          }),
        ],
      }).compile();
      const app = await moduleRef.createNestApplication({ logger: false }).init();
      const cache = app.get<TieredCache>(CACHE_INSTANCE);

      await cache.namespace('bid').set('1', { amount: 1 });
      expect(JSON.parse((await redis.get(`${prefix}bid:1`)) as string).v).toEqual({ amount: 1 });

      const owned = app.get<CacheResources>(CACHE_RESOURCES).ownedClient as RedisConnection;
      expect(owned.status).toBe('ready');
      await app.close();
      await expect(cache.get('bid:1')).rejects.toMatchObject({ code: 'E_CACHE_CLOSED' });
      expect(owned.status).toBe('end');
    });

    it('should leave a client passed in `l2.redis` open on shutdown', async () => {
      const app = track(await createBidsApp({ prefix, l2: { redis } }, new BidStore()));
      await app.close();
      apps.pop();

      expect(await redis.ping()).toBe('PONG');
    });
  });

  describe('forFeature()', () => {
    it('should provide the namespaced cache and apply its TTLs to decorated methods', async () => {
      const app = track(
        await createBidsApp({ prefix, l2: { redis } }, new BidStore(), { imports: [RoutingFeatureModule] }),
      );
      const routing = app.get(RoutingService);

      expect(app.get(getCacheToken('routing'))).toBe(routing.routing);
      await routing.routing.set('buyer:1', { state: 'CA' });
      expect(JSON.parse((await redis.get(`${prefix}routing:buyer:1`)) as string).v).toEqual({ state: 'CA' });

      await routing.geo('TX');
      await routing.geo('TX');
      expect(routing.loads).toBe(1);
      // forFeature's L2 TTL (15 m), not the module default (5 m).
      const ttl = await redis.pttl(`${prefix}routing:geo:TX`);
      expect(ttl).toBeGreaterThan(5 * 60_000);
      expect(ttl).toBeLessThanOrEqual(15 * 60_000);
    });
  });

  describe('CACHE_MANAGER', () => {
    it('should run code written for @nestjs/cache-manager unchanged', async () => {
      const app = track(
        await createBidsApp({ prefix, l2: { redis } }, new BidStore(), {
          providers: [LegacyCacheManagerService],
        }),
      );
      const legacy = app.get(LegacyCacheManagerService);

      expect(await legacy.remember('greeting', { hello: 'world' })).toEqual({ hello: 'world' });
      expect(JSON.parse((await redis.get(`${prefix}greeting`)) as string).v).toEqual({ hello: 'world' });
      let loads = 0;
      const load = async () => ++loads;
      expect(await Promise.all([legacy.wrapped('w', load), legacy.wrapped('w', load)])).toEqual([1, 1]);
      expect(loads).toBe(1);
      expect(await legacy.forget('greeting')).toBe(true);
      expect(await legacy.read('greeting')).toBeUndefined();
    });
  });

  describe('metrics', () => {
    it('should serve the cache series at /metrics, with the service label and metrics of other code', async () => {
      const app = track(
        await createBidsApp({ prefix, l2: { redis }, service: 'bid' }, new BidStore(), {
          providers: [
            {
              provide: LagMetric,
              inject: [CACHE_METRICS_REGISTRY],
              useFactory: (r: Registry) => new LagMetric(r),
            },
          ],
        }),
      );
      await app.get(BidsService).findBid('1');
      await app.get(BidsService).findBid('1');

      const response = await request(app.getHttpServer()).get('/metrics').expect(200);
      expect(response.headers['content-type']).toMatch(/^text\/plain/);
      expect(response.text).toMatch(/cache_hits_total\{service="bid",layer="l1",namespace="bid"\} 1/);
      expect(response.text).toMatch(/cache_misses_total\{service="bid",layer="l2",namespace="bid"\} 1/);
      expect(response.text).toContain('fixture_consumer_lag 3');
    });

    it('should serve at a configured path, or not at all', async () => {
      const moved = track(
        await Test.createTestingModule({
          imports: [CacheModule.forRoot({ prefix, l2: { redis }, metricsPath: '/internal/metrics' })],
        })
          .compile()
          .then((m) => m.createNestApplication({ logger: false }).init()),
      );
      await request(moved.getHttpServer()).get('/internal/metrics').expect(200);
      await request(moved.getHttpServer()).get('/metrics').expect(404);

      const off = track(
        await Test.createTestingModule({
          imports: [CacheModule.forRoot({ prefix, l2: { redis }, metricsPath: false })],
        })
          .compile()
          .then((m) => m.createNestApplication({ logger: false }).init()),
      );
      await request(off.getHttpServer()).get('/metrics').expect(404);
    });
  });

  describe('health', () => {
    it('should report L2 up with the breaker state in a terminus check', async () => {
      const app = track(
        await createBidsApp({ prefix, l2: { redis } }, new BidStore(), {
          imports: [TerminusModule],
          controllers: [HealthController],
        }),
      );

      const response = await request(app.getHttpServer()).get('/health').expect(200);
      expect(response.body).toMatchObject({
        status: 'ok',
        info: { cache: { status: 'up', l2: 'redis', breaker: 'closed' } },
      });
    });
  });

  describe('edge purge', () => {
    it('should purge the evicted keys and tags at the edge after a decorated eviction', async () => {
      const purger = new RecordingPurger();
      const store = new BidStore();
      const app = track(await createBidsApp({ prefix, l2: { redis }, edge: { purger } }, store));
      const bids = app.get(BidsService);

      await bids.deleteBidAfter('42');
      await bids.buyerChanged('b9');
      await bids.resetLists();

      expect(app.get(EDGE_PURGER)).toBe(purger);
      expect(purger.purged).toEqual([['bid:42'], ['buyer:b9'], ['bids']]);
    });

    it('should not fail the method, nor the invalidation, when the edge purge fails; it is counted', async () => {
      const purger = new RecordingPurger();
      purger.failure = new Error('edge unreachable');
      const store = new BidStore();
      store.rows.set('1', { id: '1', buyerId: 'b', amount: 1 });
      const app = track(await createBidsApp({ prefix, l2: { redis }, edge: { purger } }, store));
      const bids = app.get(BidsService);
      await bids.findBid('1');

      await expect(bids.deleteBidAfter('1')).resolves.toBeUndefined();
      await expect(app.get(CacheInvalidator).delete('bid:1')).resolves.toBe(0);

      await bids.findBid('1');
      expect(store.count('findBid')).toBe(2); // the engine eviction happened
      const metrics = await app.get<Registry>(CACHE_METRICS_REGISTRY).metrics();
      expect(metrics).toMatch(/cache_edge_purges_total\{purger="recording",outcome="error"\} 2/);
    });

    it('should purge once more after repurgeAfter, in one request for every invalidation of the window (a peer may have refilled the edge from its old L1)', async () => {
      const purger = new RecordingPurger();
      const store = new BidStore();
      const app = track(
        await createBidsApp({ prefix, l2: { redis }, edge: { purger, repurgeAfter: '100ms' } }, store),
      );
      const bids = app.get(BidsService);
      purger.failure = new Error('edge unreachable'); // the first purges fail; the second one retries them
      await bids.deleteBidAfter('42');
      await bids.buyerChanged('b9');
      purger.failure = undefined;
      expect(purger.purged).toEqual([['bid:42'], ['buyer:b9']]);

      for (let waited = 0; purger.purged.length < 3 && waited < 5000; waited += 20) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(purger.purged[2]).toEqual(['bid:42', 'buyer:b9']);
    });
  });

  describe('CacheInvalidator', () => {
    it('should delete keys, invalidate global tags in every namespace and clear namespaces', async () => {
      const store = new BidStore();
      store.rows.set('1', { id: '1', buyerId: 'b1', amount: 1 });
      const app = track(await createBidsApp({ prefix, l2: { redis } }, store));
      const bids = app.get(BidsService);
      const cache = app.get<TieredCache>(CACHE_INSTANCE);
      const invalidator = app.get(CacheInvalidator);
      await bids.findBid('1');
      await bids.activeBids({ id: 'b1' });
      await cache.namespace('other').set('x', 1, { tags: ['buyer:b1'] });
      await cache.namespace('bid').set('2', { id: '2' });

      const result = await invalidator.invalidate({ keys: ['bid:1'], tags: ['buyer:b1'], namespaces: [] });

      expect(result).toEqual({ keys: 1, tags: 1, namespaces: 0 });
      expect(await redis.exists(`${prefix}bid:1`)).toBe(0);
      expect(await redis.exists(`${prefix}bids:buyer:b1:active`)).toBe(0);
      // `other` was not known to the module when the tag was written: engine tags are namespaced.
      expect(await cache.namespace('other').get('x')).toBe(1);
      expect(await invalidator.clear('bid')).toBe(1);
      expect(await cache.namespace('bid').get('2')).toBeUndefined();
    });

    it('should reject bad input with a typed error naming the field', async () => {
      const app = track(await createBidsApp({ prefix, l2: { redis } }, new BidStore()));
      await expect(app.get(CacheInvalidator).invalidate({ keys: [''] })).rejects.toMatchObject({
        code: 'E_CACHE_INVALID_OPTION',
        message: expect.stringContaining('keys'),
      });
    });
  });

  describe('startup checks', () => {
    it.each([
      [
        MisspelledKeyService,
        /MisspelledKeyService\.find: key template "bid:\{bidId\}" uses \{bidId\}.*parameters: id/,
      ],
      [SyncMethodService, /SyncMethodService\.find: cache decorators need an async method/],
    ])('should refuse to start with %p', async (service, message) => {
      const moduleRef = await Test.createTestingModule({
        imports: [CacheModule.forRoot({ prefix, l2: { redis }, metricsPath: false })],
        providers: [service],
      }).compile();
      const app = moduleRef.createNestApplication({ logger: false });

      const started = app.init();
      await expect(started).rejects.toThrow(CacheDecoratorError);
      await expect(started).rejects.toThrow(message);
      await app.close();
    });
  });
});
