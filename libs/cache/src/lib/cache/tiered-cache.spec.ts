import { CacheErrorCode } from '../core/errors';
import { MemoryDriver } from '../drivers/memory.driver';
import { PrometheusMetrics } from '../metrics/prometheus.metrics';
import { createCache } from './create-cache';

/** Engine behaviour that needs no server: L1-only, and the in-memory driver standing in for L2. */
describe('createCache()', () => {
  describe('L1 only', () => {
    it('should get, set, delete and expire by the per-call TTL', async () => {
      const cache = createCache({ metrics: false });
      const bids = cache.namespace<{ n: number }>('bid');
      await bids.set('1', { n: 1 }, { ttl: '100ms' });
      expect(await bids.get('1')).toEqual({ n: 1 });
      expect(await bids.has('1')).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(await bids.get('1')).toBeUndefined();
      await bids.set('2', { n: 2 });
      expect(await bids.delete('2')).toBe(true);
      expect(await bids.delete('2')).toBe(false);
    });

    it('should invalidate tags and clear a namespace without touching its neighbours', async () => {
      const cache = createCache({ metrics: false });
      const routing = cache.namespace('routing');
      await routing.set('buyer:1', 'a', { tags: ['buyer:1'] });
      await routing.set('geo:TX', 'b', { tags: ['buyer:1', 'geo'] });
      await routing.set('geo:CA', 'c', { tags: ['geo'] });
      await cache.namespace('bid').set('1', 'kept');
      expect(await routing.invalidateTags(['buyer:1'])).toBe(2);
      expect(await routing.getMany(['buyer:1', 'geo:TX', 'geo:CA'])).toEqual([undefined, undefined, 'c']);
      expect(await cache.clear('routing')).toBe(1);
      expect(await routing.get('geo:CA')).toBeUndefined();
      expect(await cache.namespace('bid').get('1')).toBe('kept');
    });

    it('should apply namespace defaults from options and from namespace()', async () => {
      const cache = createCache({
        metrics: false,
        namespaces: { compliance: { ttl: { l1: '5m', l2: '24h' } } },
      });
      await cache.namespace('compliance').set('tcpa:v1', 'rules');
      const left = (await cache.namespace('compliance').ttl('tcpa:v1')) as number;
      expect(left).toBeGreaterThan(4 * 60_000);
      expect(left).toBeLessThanOrEqual(5 * 60_000);
      const short = cache.namespace('analytics', { ttl: '1s' });
      await short.set('x', 1);
      expect((await short.ttl('x')) as number).toBeLessThanOrEqual(1000);
    });

    it('should reject every call once disconnected', async () => {
      const cache = createCache({ metrics: false });
      await cache.disconnect();
      await expect(cache.get('k')).rejects.toMatchObject({ code: CacheErrorCode.Closed });
      await expect(cache.set('k', 1)).rejects.toMatchObject({ code: CacheErrorCode.Closed });
      await expect(cache.getOrSet('k', () => 1)).rejects.toMatchObject({ code: CacheErrorCode.Closed });
    });

    it('should reject a non-function loader and a non-array key list', async () => {
      const cache = createCache({ metrics: false });
      await expect(cache.getOrSet('k', 'nope' as never)).rejects.toMatchObject({
        code: CacheErrorCode.InvalidOption,
      });
      await expect(cache.getMany('k' as never)).rejects.toMatchObject({ code: CacheErrorCode.InvalidOption });
    });

    it('should reject invalid factory options with typed errors', () => {
      expect(() => createCache({ l1: { maxBytes: 'lots' } })).toThrow(
        expect.objectContaining({ code: CacheErrorCode.InvalidOption }),
      );
      expect(() => createCache({ ttl: -1 })).toThrow(
        expect.objectContaining({ code: CacheErrorCode.InvalidTtl }),
      );
      expect(() => createCache({ bus: true })).toThrow(
        expect.objectContaining({ code: CacheErrorCode.InvalidOption }),
      );
    });
  });

  describe('with an L2 driver', () => {
    it('should coalesce misses of two instances sharing L2 through its lease', async () => {
      const l2 = new MemoryDriver();
      const a = createCache({ l2: { driver: l2 }, metrics: false });
      const b = createCache({ l2: { driver: l2 }, metrics: false });
      let loads = 0;
      const loader = async () => {
        loads++;
        await new Promise((resolve) => setTimeout(resolve, 30));
        return 'v';
      };
      const values = await Promise.all([
        ...Array.from({ length: 50 }, () => a.getOrSet('k', loader)),
        ...Array.from({ length: 50 }, () => b.getOrSet('k', loader)),
      ]);
      expect(loads).toBe(1);
      expect(new Set(values)).toEqual(new Set(['v']));
    });

    it('should index the tags of a mixed setMany so the tag removes exactly its entries from L2', async () => {
      const l2 = new MemoryDriver();
      const cache = createCache({ l2: { driver: l2 }, metrics: false });
      await cache.setMany([
        { key: 'a', value: 1, options: { tags: ['t'] } },
        { key: 'b', value: 2 },
        { key: 'c', value: 3, options: { tags: ['t'] } },
      ]);
      expect(await cache.invalidateTags(['t'])).toBe(2);
      expect([await l2.has('a'), await l2.has('b'), await l2.has('c')]).toEqual([false, true, false]);
    });

    it('should keep working when the driver fails, and report it', async () => {
      const l2 = new MemoryDriver();
      const cache = createCache({ l2: { driver: l2, breaker: { failureThreshold: 2 } }, metrics: false });
      const errors: string[] = [];
      cache.on('l2:error', (e) => errors.push(e.op));
      await cache.set('k', 'v');
      jest.spyOn(l2, 'get').mockRejectedValue(new Error('boom'));
      jest.spyOn(l2, 'set').mockRejectedValue(new Error('boom'));
      expect(await cache.get('k')).toBe('v'); // L1
      await cache.set('k2', 'v2'); // does not throw
      expect(await cache.getOrSet('k3', () => 'loaded')).toBe('loaded');
      expect(errors.length).toBeGreaterThan(0);
      expect(cache.breakerState).toBe('open');
    });

    it('should reject a delete that could not reach L2, after evicting L1, so the caller can retry', async () => {
      const l2 = new MemoryDriver();
      const cache = createCache({ l2: { driver: l2 }, metrics: false });
      await cache.set('k', 'v');
      jest.spyOn(l2, 'delete').mockRejectedValue(new Error('boom'));
      await expect(cache.delete('k')).rejects.toMatchObject({ code: CacheErrorCode.L2Unavailable });
      jest.restoreAllMocks();
      // L1 no longer serves it; L2 still has it until the retry succeeds.
      expect(await l2.has('k')).toBe(true);
      expect(await cache.delete('k')).toBe(true);
      expect(await cache.get('k')).toBeUndefined();
    });
  });

  describe('read/write races', () => {
    /** L2 holds 'old' for `k`; the next L2 read fetches it, then stalls until `release()`. */
    async function cacheWithStalledRead() {
      const l2 = new MemoryDriver();
      const cache = createCache({ l2: { driver: l2 }, metrics: false, bus: false });
      await l2.set('k', JSON.stringify({ v: 'old', e: Date.now() + 60_000 }), 60_000);
      const realGet = l2.get.bind(l2);
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => (release = resolve));
      jest.spyOn(l2, 'get').mockImplementationOnce(async (key) => {
        const raw = await realGet(key);
        await gate;
        return raw;
      });
      return { cache, release };
    }

    it('should not let an L2 read that raced a newer set put the older value back into L1', async () => {
      const { cache, release } = await cacheWithStalledRead();
      const slowRead = cache.get('k');
      await cache.set('k', 'new');
      release();
      expect(await slowRead).toBe('old'); // it read before the write: fine to return
      expect(await cache.get('k')).toBe('new'); // but L1 must hold the newer value
    });

    it('should not let the L2 read of a getOrSet that raced a newer set put the older value into L1', async () => {
      const { cache, release } = await cacheWithStalledRead();
      const slowRead = cache.getOrSet('k', () => 'loaded');
      await cache.set('k', 'new');
      release();
      expect(await slowRead).toBe('old');
      expect(await cache.get('k')).toBe('new');
    });

    it('should not let an L2 read that raced a delete refill L1', async () => {
      const { cache, release } = await cacheWithStalledRead();
      const slowRead = cache.get('k');
      await cache.delete('k');
      release();
      await slowRead;
      expect(await cache.get('k')).toBeUndefined();
    });

    /** A getOrSet of `k` (tagged `mine`) whose loader runs until `finish()`, and what each layer then holds. */
    function stalledLoad() {
      const l2 = new MemoryDriver();
      const cache = createCache({ l2: { driver: l2 }, metrics: false, bus: false });
      let finish: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => (finish = resolve));
      const load = cache.getOrSet(
        'ns:k',
        async () => {
          await gate;
          return 'loaded';
        },
        { tags: ['mine'] },
      );
      const stored = async () => ({ l1: cache.peek('ns:k'), l2: await l2.has('ns:k') });
      return { cache, load, finish, stored };
    }

    it('should store a load that an invalidation of other tags, keys or prefixes overlapped (a steady stream of them must not keep every load out of the cache)', async () => {
      const { cache, load, finish, stored } = stalledLoad();
      await cache.invalidateTags(['other']);
      await cache.delete('ns:other');
      await cache.clear('elsewhere');
      finish();
      expect(await load).toBe('loaded');
      expect(await stored()).toEqual({ l1: 'loaded', l2: true });
    });

    it('should not store a load that an invalidation of its own tag overlapped', async () => {
      const { cache, load, finish, stored } = stalledLoad();
      await cache.invalidateTags(['mine']);
      finish();
      expect(await load).toBe('loaded'); // current when the caller asked
      expect(await stored()).toEqual({ l1: undefined, l2: false });
    });

    it('should not store a load that a clear of a prefix of its key overlapped', async () => {
      const { cache, load, finish, stored } = stalledLoad();
      await cache.clear('ns');
      finish();
      expect(await load).toBe('loaded');
      expect(await stored()).toEqual({ l1: undefined, l2: false });
    });
  });

  describe('peek()', () => {
    it('should return the L1 value synchronously, and undefined once it expired (even while L1 keeps it for grace)', async () => {
      const cache = createCache({ metrics: false });
      const bids = cache.namespace<{ n: number }>('bid');
      expect(bids.peek('1')).toBeUndefined();
      await bids.set('1', { n: 1 }, { ttl: '100ms', grace: '1m' });
      const value = bids.peek('1');
      expect(value).not.toBeInstanceOf(Promise);
      expect(value).toEqual({ n: 1 });
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(bids.peek('1')).toBeUndefined();
    });

    it('should miss after a delete, a tag invalidation and a clear', async () => {
      const cache = createCache({ metrics: false });
      const rules = cache.namespace('compliance');
      await rules.setMany([
        { key: 'a', value: 'a' },
        { key: 'b', value: 'b', options: { tags: ['tcpa'] } },
        { key: 'c', value: 'c' },
      ]);
      expect([rules.peek('a'), rules.peek('b'), rules.peek('c')]).toEqual(['a', 'b', 'c']);
      await rules.delete('a');
      expect(rules.peek('a')).toBeUndefined();
      await rules.invalidateTags(['tcpa']);
      expect(rules.peek('b')).toBeUndefined();
      expect(rules.peek('c')).toBe('c');
      await cache.clear('compliance');
      expect(rules.peek('c')).toBeUndefined();
    });

    it('should serve an overwrite and miss after a delete, also once a key was peeked before (a kept handle)', async () => {
      const cache = createCache({ metrics: false });
      const rules = cache.namespace<string>('compliance');
      await rules.set('a', 'v1');
      expect(rules.peek('a')).toBe('v1');
      await rules.set('a', 'v2');
      expect(rules.peek('a')).toBe('v2');
      await rules.delete('a');
      expect(rules.peek('a')).toBeUndefined();
      await rules.set('a', 'v3'); // a new L1 entry for a key whose old one was removed
      expect(rules.peek('a')).toBe('v3');
      await rules.set('a', 'short', { ttl: '50ms' });
      expect(rules.peek('a')).toBe('short');
      await new Promise((resolve) => setTimeout(resolve, 80));
      expect(rules.peek('a')).toBeUndefined();
    });

    it('should miss after a clear of the whole cache and after L1 evicted the entry', async () => {
      const cache = createCache({
        prefix: 'app:',
        metrics: false,
        l1: { maxBytes: 20_000, maxEntryBytes: 1_000, policy: 'lru' },
      });
      const rules = cache.namespace<string>('compliance');
      await rules.set('a', 'kept');
      expect(rules.peek('a')).toBe('kept');
      await cache.clear();
      expect(rules.peek('a')).toBeUndefined();

      await rules.set('a', 'kept');
      expect(rules.peek('a')).toBe('kept');
      for (let i = 0; i < 200; i++) await rules.set(`filler${i}`, 'x'.repeat(100));
      expect(rules.peek('a')).toBeUndefined(); // LRU: 'a' was the oldest
      expect(rules.peek('filler199')).toBe('x'.repeat(100));
    });

    it('should keep namespaces and views apart', async () => {
      const cache = createCache({ metrics: false });
      const bid = cache.namespace<string>('bid');
      const routing = cache.namespace<string>('routing');
      const otherBidView = cache.namespace<string>('bid');
      await bid.set('1', 'bid-1');
      await routing.set('1', 'routing-1');
      expect([bid.peek('1'), routing.peek('1'), otherBidView.peek('1'), cache.peek('1')]).toEqual([
        'bid-1',
        'routing-1',
        'bid-1',
        undefined,
      ]);
      await otherBidView.delete('1');
      expect([bid.peek('1'), routing.peek('1'), otherBidView.peek('1')]).toEqual([
        undefined,
        'routing-1',
        undefined,
      ]);
      await cache.namespace('routing').set('1', 'routing-2');
      expect(routing.peek('1')).toBe('routing-2');
    });

    it('should count peeks as reads for W-TinyLFU, so keys read only through peek survive a scan', async () => {
      /**
       * 10 hot keys, peeked `reads` times each, then a scan of 300 keys each written 4 times in a row (so the
       * scan outranks a key read once or twice); how many hot keys L1 kept.
       */
      const hotKeptAfterScan = async (reads: number) => {
        const cache = createCache({
          metrics: false,
          l1: { maxBytes: 40_000, maxEntryBytes: 1_000, policy: 'tinylfu' },
        });
        const ns = cache.namespace<string>('compliance');
        const hot = Array.from({ length: 10 }, (_, i) => `hot${i}`);
        for (const key of hot) await ns.set(key, key);
        for (let r = 0; r < reads; r++) for (const key of hot) ns.peek(key);
        for (let i = 0; i < 300; i++) for (let w = 0; w < 4; w++) await ns.set(`scan${i}`, 'x'.repeat(100));
        return hot.filter((key) => ns.peek(key) === key).length;
      };
      // Summed over 5 caches: W-TinyLFU admits a warm candidate at random now and then (Caffeine's defence
      // against hash flooding), so a hot key is lost in about a third of single runs, never more than one.
      const keptOver5 = async (reads: number) => {
        let kept = 0;
        for (let run = 0; run < 5; run++) kept += await hotKeptAfterScan(reads);
        return kept;
      };
      expect(await keptOver5(10)).toBeGreaterThanOrEqual(45);
      expect(await keptOver5(0)).toBeLessThanOrEqual(20); // control: unread, they lose to the scan
    });

    it('should never read L2, even when L2 holds the key', async () => {
      const l2 = new MemoryDriver();
      const writer = createCache({ l2: { driver: l2 }, metrics: false });
      const reader = createCache({ l2: { driver: l2 }, metrics: false });
      await writer.set('k', 'in-l2');
      const get = jest.spyOn(l2, 'get');
      expect(reader.peek('k')).toBeUndefined();
      expect(get).not.toHaveBeenCalled();
      expect(await reader.get('k')).toBe('in-l2'); // the async read fills L1...
      expect(reader.peek('k')).toBe('in-l2'); // ...which peek then serves
    });

    it('should count L1 hits and misses per namespace', async () => {
      const metrics = new PrometheusMetrics();
      const cache = createCache({ metrics });
      const rules = cache.namespace('compliance');
      rules.peek('x');
      await rules.set('x', 1);
      rules.peek('x');
      rules.peek('x');
      const text = await metrics.registry.metrics();
      expect(text).toMatch(/cache_hits_total\{layer="l1",namespace="compliance"\} 2/);
      expect(text).toMatch(/cache_misses_total\{layer="l1",namespace="compliance"\} 1/);
    });

    it('should leave the miss to getOrSet when read with peekBeforeLoad, so a request counts once', async () => {
      const metrics = new PrometheusMetrics();
      const cache = createCache({ metrics });
      const read = () => cache.peekBeforeLoad('http:x') ?? cache.getOrSet('http:x', () => 1);
      await read(); // miss: counted by getOrSet alone
      expect(read()).toBe(1); // hit: counted by the peek
      const text = await metrics.registry.metrics();
      expect(text).toMatch(/cache_hits_total\{layer="l1",namespace=""\} 1/);
      expect(text).toMatch(/cache_misses_total\{layer="l1",namespace=""\} 1/);
    });

    it('should throw typed errors for a bad key and once disconnected', async () => {
      const cache = createCache({ metrics: false, maxKeyLength: 8 });
      expect(() => cache.peek('')).toThrow(expect.objectContaining({ code: CacheErrorCode.InvalidKey }));
      expect(() => cache.peek('much-too-long')).toThrow(
        expect.objectContaining({ code: CacheErrorCode.InvalidKey }),
      );
      await cache.disconnect();
      expect(() => cache.peek('k')).toThrow(expect.objectContaining({ code: CacheErrorCode.Closed }));
    });
  });

  describe('events and metrics', () => {
    it('should emit typed events and count hits and misses per layer and namespace', async () => {
      const metrics = new PrometheusMetrics();
      const cache = createCache({ l2: { driver: new MemoryDriver() }, metrics });
      const seen: string[] = [];
      cache.on('hit', (e) => seen.push(`hit:${e.layer}`));
      cache.on('miss', () => seen.push('miss'));
      const bids = cache.namespace('bid');
      await bids.get('1');
      await bids.set('1', 'x');
      await bids.get('1');
      await bids.get('1');
      expect(seen).toEqual(['miss', 'hit:l1', 'hit:l1']);
      const text = await metrics.registry.metrics();
      expect(text).toMatch(/cache_hits_total\{layer="l1",namespace="bid"\} 2/);
      expect(text).toMatch(/cache_misses_total\{layer="l1",namespace="bid"\} 1/);
      expect(text).toMatch(/cache_misses_total\{layer="l2",namespace="bid"\} 1/);
      expect(text).toMatch(/cache_l1_entries \d/);
    });
  });
});
