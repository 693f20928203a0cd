import type { ModuleRef } from '@nestjs/core';
import { createCache, MemoryDriver, type TieredCache } from '@platform/cache';
import type { CacheInvalidator } from '@platform/cache/nest';
import { CacheInvalidationSink } from './cache-invalidation.sink';

const noModule = {
  get: () => {
    throw new Error('not found');
  },
} as unknown as ModuleRef;

describe(CacheInvalidationSink.name, () => {
  let cache: TieredCache;

  beforeEach(async () => {
    cache = createCache({ l2: { driver: new MemoryDriver() }, metrics: false });
    await cache.connect();
  });

  afterEach(() => cache.disconnect());

  describe('apply()', () => {
    it('should go through the cache module’s CacheInvalidator when the application has one', async () => {
      const invalidator = { invalidate: jest.fn().mockResolvedValue({ keys: 1, tags: 0, namespaces: 0 }) };
      const moduleRef = { get: () => invalidator as unknown as CacheInvalidator } as unknown as ModuleRef;
      const sink = new CacheInvalidationSink(moduleRef, cache, null);
      sink.onModuleInit();
      const plan = { keys: ['bid:1'], tags: ['t'], namespaces: ['ns'] };
      await sink.apply(plan);
      expect(invalidator.invalidate).toHaveBeenCalledWith(plan);
    });

    it('should otherwise delete keys, drop tags and clear namespaces in the engine, then purge the edge', async () => {
      await cache.set('bid:1', 'a');
      await cache.set('bid:2', 'b');
      await cache.set('rev:1', 'c', { tags: ['buyer:7'] });
      await cache.set('geo:CA', 'd');
      await cache.set('keep', 'e');
      const purger = { name: 'fake', purgeSurrogateKeys: jest.fn().mockResolvedValue(undefined) };
      const sink = new CacheInvalidationSink(noModule, cache, purger);
      sink.onModuleInit();

      await sink.apply({ keys: ['bid:1', 'bid:2'], tags: ['buyer:7'], namespaces: ['geo'] });

      for (const key of ['bid:1', 'bid:2', 'rev:1', 'geo:CA']) expect(await cache.get(key)).toBeUndefined();
      expect(await cache.get('keep')).toBe('e');
      expect(purger.purgeSurrogateKeys).toHaveBeenCalledWith(['bid:1', 'bid:2', 'buyer:7', 'geo']);
    });

    it('should reject with the engine error but still purge the edge, and never fail on a purge error', async () => {
      const purger = {
        name: 'fake',
        purgeSurrogateKeys: jest.fn().mockRejectedValue(new Error('edge down')),
      };
      const down = Object.assign(new Error('L2 down'), { code: 'E_L2_UNAVAILABLE' });
      jest.spyOn(cache, 'deleteMany').mockRejectedValue(down);
      const sink = new CacheInvalidationSink(noModule, cache, purger);
      sink.onModuleInit();
      await expect(sink.apply({ keys: ['bid:1'], tags: [], namespaces: [] })).rejects.toBe(down);
      expect(purger.purgeSurrogateKeys).toHaveBeenCalled();

      jest.restoreAllMocks();
      await expect(sink.apply({ keys: ['bid:1'], tags: [], namespaces: [] })).resolves.toBeUndefined();
    });

    it('should drop plans when the service has no cache at all', async () => {
      const sink = new CacheInvalidationSink(noModule, null, null);
      sink.onModuleInit();
      await expect(sink.apply({ keys: ['bid:1'], tags: [], namespaces: [] })).resolves.toBeUndefined();
    });
  });
});
