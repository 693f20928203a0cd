import type { INestApplication } from '@nestjs/common';
import type { TieredCache } from '../cache/create-cache';
import type { RedisConnection } from '../redis-connection';
import { REDIS_TARGETS, delay, openRedis, uniquePrefix, until } from '../../test-support/redis-targets';
import { CACHE_INSTANCE } from './cache.constants';
import { BidStore, BidsService, createBidsApp, type Bid } from './test-fixtures/bids.fixture';

describe.each(REDIS_TARGETS)('cache decorators over Redis (%s)', (target) => {
  let redis: RedisConnection;
  let store: BidStore;
  let prefix: string;
  const apps: INestApplication[] = [];

  const start = async () => {
    const app = await createBidsApp({ prefix, l2: { redis }, service: 'fixture' }, store);
    apps.push(app);
    return { app, bids: app.get(BidsService), cache: app.get<TieredCache>(CACHE_INSTANCE) };
  };
  const seed = (bid: Bid) => store.rows.set(bid.id, bid);

  beforeAll(async () => {
    redis = await openRedis(target);
  });

  beforeEach(() => {
    store = new BidStore();
    prefix = uniquePrefix(`nest-dec-${target}`);
  });

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  afterAll(async () => {
    await redis.quit();
  });

  describe('@Cacheable', () => {
    it('should run the method once and answer later calls from the cache, under the spec key', async () => {
      const { bids, cache } = await start();
      seed({ id: '42', buyerId: 'b1', amount: 10 });

      expect(await bids.findBid('42')).toEqual({ id: '42', buyerId: 'b1', amount: 10 });
      expect(await bids.findBid('42')).toEqual({ id: '42', buyerId: 'b1', amount: 10 });
      expect(store.count('findBid')).toBe(1);

      // The entry is the engine's `bid` namespace key `42`, stored in Redis as <prefix>bid:42.
      expect(await cache.namespace('bid').get('42')).toEqual({ id: '42', buyerId: 'b1', amount: 10 });
      expect(JSON.parse((await redis.get(`${prefix}bid:42`)) as string).v).toMatchObject({ amount: 10 });
    });

    it('should key by a nested field of an argument', async () => {
      const { bids } = await start();
      seed({ id: '1', buyerId: 'b7', amount: 5 });

      await bids.activeBids({ id: 'b7' });
      await bids.activeBids({ id: 'b7' });
      await bids.activeBids({ id: 'b8' });

      expect(store.count('activeBids')).toBe(2);
      expect(await redis.get(`${prefix}bids:buyer:b7:active`)).not.toBeNull();
    });

    it('should call through, uncached, when a placeholder has no usable value', async () => {
      const { bids } = await start();

      await bids.activeBids({ id: undefined as unknown as string });
      await bids.activeBids({ id: undefined as unknown as string });

      expect(store.count('activeBids')).toBe(2);
    });

    it('should skip the cache when `condition` says so, and not store what `unless` rejects', async () => {
      const { bids } = await start();
      seed({ id: '1', buyerId: 'b1', amount: 1 });

      await bids.findBidFiltered('1', { fresh: true });
      await bids.findBidFiltered('1', { fresh: true });
      expect(store.count('findBidFiltered')).toBe(2); // condition false: no cache at all

      await bids.findBidFiltered('1');
      await bids.findBidFiltered('1');
      expect(store.count('findBidFiltered')).toBe(3); // condition true: cached

      expect(await bids.findBidFiltered('missing')).toBeNull();
      expect(await bids.findBidFiltered('missing')).toBeNull();
      expect(store.count('findBidFiltered')).toBe(5); // unless(null): never stored
      expect(await redis.exists(`${prefix}bid:missing`)).toBe(0);
    });

    it('should coalesce concurrent calls into one method run', async () => {
      const { bids } = await start();
      const open = store.hold();

      const calls = Array.from({ length: 50 }, () => bids.slowBid('c1'));
      await until(() => store.count('slowBid') === 1, 5000, 'the first load to start');
      await delay(20); // let every caller reach the cache while the load is held
      open();

      const results = await Promise.all(calls);
      expect(store.count('slowBid')).toBe(1);
      expect(new Set(results.map((result) => JSON.stringify(result))).size).toBe(1);
    });

    it('should serve a stale value and refresh it in the background after `swr`', async () => {
      const { bids } = await start();
      seed({ id: '1', buyerId: 'b1', amount: 1 });
      await bids.swrBid('1');
      seed({ id: '1', buyerId: 'b1', amount: 2 });
      await delay(80); // past the 50 ms soft TTL

      expect((await bids.swrBid('1'))?.amount).toBe(1); // stale, served at once
      await until(() => store.count('swrBid') === 2, 5000, 'the background refresh');
      await until(async () => (await bids.swrBid('1'))?.amount === 2, 5000, 'the refreshed value');
      expect(store.count('swrBid')).toBe(2);
    });

    it('should serve the last value within `grace` when the method fails after expiry', async () => {
      const { bids } = await start();
      seed({ id: '1', buyerId: 'b1', amount: 1 });
      await bids.graceBid('1');
      await delay(150); // past the 100 ms TTL
      store.failure = new Error('database down');

      expect((await bids.graceBid('1'))?.amount).toBe(1);
      expect(store.count('graceBid')).toBe(2);
    });

    it("should rethrow the method's own error, not a cache error, when there is nothing to serve", async () => {
      const { bids } = await start();
      store.failure = new Error('database down');

      await expect(bids.findBid('x')).rejects.toBe(store.failure);
      expect(store.count('findBid')).toBe(1); // not retried without the cache either
    });
  });

  describe('@CachePut', () => {
    it('should always run the method and store its result', async () => {
      const { bids } = await start();
      seed({ id: '1', buyerId: 'b1', amount: 1 });
      await bids.findBid('1');

      await bids.updateAmount('1', 99);
      await bids.updateAmount('1', 100);

      expect(store.count('updateAmount')).toBe(2);
      expect((await bids.findBid('1'))?.amount).toBe(100);
      expect(store.count('findBid')).toBe(1);
    });

    it('should build the key and tags from the result', async () => {
      const { bids } = await start();

      const created = await bids.createBid({ buyerId: 'b3', amount: 7 });

      expect(await bids.findBid(created.id)).toEqual(created);
      expect(store.count('findBid')).toBe(0);
      await bids.buyerChanged('b3'); // the tag came from result.buyerId
      expect(await bids.findBid(created.id)).toEqual(created);
      expect(store.count('findBid')).toBe(1);
    });
  });

  describe('@CacheEvict', () => {
    it('should evict after the method returned', async () => {
      const { bids } = await start();
      seed({ id: '1', buyerId: 'b1', amount: 1 });
      await bids.findBid('1');

      await bids.deleteBid('1');

      expect(await bids.findBid('1')).toBeNull();
      expect(store.count('findBid')).toBe(2);
    });

    it('should evict before the method when asked, even if the method then fails', async () => {
      const { bids } = await start();
      seed({ id: '1', buyerId: 'b1', amount: 1 });
      await bids.findBid('1');
      store.failure = new Error('write failed');

      await expect(bids.deleteBidBefore('1')).rejects.toThrow('write failed');

      store.failure = undefined;
      await bids.findBid('1');
      expect(store.count('findBid')).toBe(2);
    });

    it('should not evict after a method that failed', async () => {
      const { bids } = await start();
      seed({ id: '1', buyerId: 'b1', amount: 1 });
      await bids.findBid('1');
      store.failure = new Error('write failed');

      await expect(bids.deleteBidAfter('1')).rejects.toThrow('write failed');

      store.failure = undefined;
      await bids.findBid('1');
      expect(store.count('findBid')).toBe(1);
    });

    it('should invalidate by tag and clear a namespace', async () => {
      const { bids } = await start();
      seed({ id: '1', buyerId: 'b1', amount: 1 });
      await bids.activeBids({ id: 'b1' });
      await bids.activeBids({ id: 'b2' });

      await bids.buyerChanged('b1');
      await bids.activeBids({ id: 'b1' });
      await bids.activeBids({ id: 'b2' });
      expect(store.count('activeBids')).toBe(3); // only b1's list was dropped

      await bids.resetLists();
      await bids.activeBids({ id: 'b1' });
      await bids.activeBids({ id: 'b2' });
      expect(store.count('activeBids')).toBe(5);
    });

    it("should evict the entry from another app instance's L1 through the bus", async () => {
      const a = await start();
      const b = await start();
      seed({ id: '1', buyerId: 'b1', amount: 1 });
      await a.bids.findBid('1');
      expect(await b.bids.findBid('1')).toMatchObject({ amount: 1 }); // B now holds it in its L1
      expect(store.count('findBid')).toBe(1);

      store.rows.set('1', { id: '1', buyerId: 'b1', amount: 2 });
      await a.bids.deleteBidAfter('1'); // the database changed, A evicts

      // B's L1 (TTL 30 s) would keep amount 1 without the bus; with it B reloads well within 5 s.
      await until(async () => (await b.bids.findBid('1'))?.amount === 2, 5000, "B's L1 to be evicted");
    });
  });
});
