import { Controller, Get, Injectable, Scope, type INestApplication } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants';
import { Test } from '@nestjs/testing';
import type { Registry } from 'prom-client';
import request from 'supertest';
import type { TieredCache } from '../cache/create-cache';
import { CACHE_INSTANCE } from './cache.constants';
import { CacheModule } from './cache.module';
import type { CacheModuleOptions } from './interfaces/cache-module-options.interface';
import { CacheEvict } from './decorators/cache-evict.decorator';
import { CacheDecoratorError } from './decorators/cache-decorator.error';
import { Cacheable } from './decorators/cacheable.decorator';

/** Counts runs; every method returns the run number, so a cached answer is an old number. */
@Injectable()
class GeoService {
  runs = 0;

  @Cacheable({ key: 'routing:geo:{state}' })
  async byState(state: string): Promise<number> {
    void state;
    return ++this.runs;
  }

  @Cacheable({ namespace: 'routing', key: 'buyer:{id}' })
  async buyer(id: string): Promise<number> {
    void id;
    return ++this.runs;
  }

  @Cacheable({ key: 'stats:{a}:{b}', params: ['a', undefined, 'b'] })
  async explicit(...args: unknown[]): Promise<number> {
    void args;
    return ++this.runs;
  }

  @Cacheable({ key: 'dto:{buyerId}:{page}' })
  async destructured({ buyerId, page = 1 }: { buyerId: string; page?: number }): Promise<number> {
    void buyerId;
    void page;
    return ++this.runs;
  }

  @CacheEvict({ keys: ['routing:geo:{state}'] })
  async moved(state: string): Promise<void> {
    void state;
  }
}

/** Route metadata must survive the wrapper whichever side of it the route decorator sits. */
@Controller('geo')
class GeoController {
  runs = 0;

  @Get('a')
  @Cacheable({ key: 'ctl:a' })
  async a(): Promise<number> {
    return ++this.runs;
  }

  @Cacheable({ key: 'ctl:b' })
  @Get('b')
  async b(): Promise<number> {
    return ++this.runs;
  }
}

@Injectable()
class BaseLookup {
  runs = 0;

  @Cacheable({ key: 'base:{id}' })
  async find(id: string): Promise<number> {
    void id;
    return ++this.runs;
  }
}

/** Overrides a cached method and calls the parent's through `super`: that call runs the parent's method (uncached). */
@Injectable()
class ChildLookup extends BaseLookup {
  @Cacheable({ key: 'child:{id}' })
  override async find(id: string): Promise<number> {
    return (await super.find(id)) * 10;
  }
}

@Injectable({ scope: Scope.REQUEST })
class PerRequestService {
  runs = 0;

  @Cacheable({ key: 'req:{id}' })
  async find(id: string): Promise<number> {
    void id;
    return ++this.runs;
  }
}

describe('cache decorators (L1-only module)', () => {
  let app: INestApplication | undefined;

  const start = async (options: CacheModuleOptions = {}, providers: unknown[] = [GeoService]) => {
    const moduleRef = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ prefix: 'unit:', ...options })],
      providers: providers as never[],
      controllers: [GeoController],
    }).compile();
    app = await moduleRef.createNestApplication({ logger: false }).init();
    return app;
  };

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  describe('namespaces', () => {
    it("should use the key's first segment, or the longest configured namespace", async () => {
      const started = await start({ namespaces: { 'routing:geo': { ttl: { l1: '10m', l2: '10m' } } } });
      const geo = started.get(GeoService);
      const cache = started.get<TieredCache>(CACHE_INSTANCE);

      await geo.byState('CA');
      expect(await cache.namespace('routing:geo').get('CA')).toBe(1);
      expect(await cache.namespace('routing').get('geo:CA')).toBe(1); // the same full key
      // routing:geo's 10 min TTL applied, not the 30 s default L1 TTL.
      expect(await cache.namespace('routing:geo').ttl('CA')).toBeGreaterThan(60_000);
      const metrics = await (cache.registry as NonNullable<TieredCache['registry']>).metrics();
      expect(metrics).toMatch(/cache_misses_total\{layer="l1",namespace="routing:geo"\} 1/);
    });

    it('should take a key relative to an explicit `namespace`', async () => {
      const started = await start();
      await started.get(GeoService).buyer('7');
      expect(await started.get<TieredCache>(CACHE_INSTANCE).namespace('routing').get('buyer:7')).toBe(1);
    });
  });

  describe('parameters', () => {
    it('should use an explicit `params` list, skipping unnamed positions', async () => {
      const geo = (await start()).get(GeoService);
      expect(await geo.explicit('x', 'ignored', 'y')).toBe(1);
      expect(await geo.explicit('x', 'other', 'y')).toBe(1);
      expect(await geo.explicit('x', 'other', 'z')).toBe(2);
    });

    it('should read properties of a destructured parameter', async () => {
      const geo = (await start()).get(GeoService);
      expect(await geo.destructured({ buyerId: 'b', page: 2 })).toBe(1);
      expect(await geo.destructured({ buyerId: 'b', page: 2 })).toBe(1);
      expect(await geo.destructured({ buyerId: 'b', page: 3 })).toBe(2);
    });
  });

  describe('binding', () => {
    it('should leave an instance created outside Nest uncached', async () => {
      const loose = new GeoService();
      expect(await loose.byState('CA')).toBe(1);
      expect(await loose.byState('CA')).toBe(2);
    });

    it('should bind each application instance to its own cache', async () => {
      const first = await start();
      const other = await Test.createTestingModule({
        imports: [CacheModule.forRoot({ prefix: 'unit:' })],
        providers: [GeoService],
      }).compile();
      const second = await other.createNestApplication({ logger: false }).init();
      try {
        await first.get(GeoService).byState('CA');
        expect(await second.get(GeoService).byState('CA')).toBe(1); // its own L1: a miss, its own run
        await first.get(GeoService).moved('CA');
        expect(await first.get(GeoService).byState('CA')).toBe(2);
        expect(await second.get(GeoService).byState('CA')).toBe(1);
      } finally {
        await second.close();
      }
    });

    it('should keep route metadata on either side of the decorator, and cache the handler', async () => {
      const started = await start();
      expect(Reflect.getMetadata(PATH_METADATA, GeoController.prototype.a)).toBe('a');
      expect(Reflect.getMetadata(PATH_METADATA, GeoController.prototype.b)).toBe('b');

      await request(started.getHttpServer()).get('/geo/a').expect(200, '1');
      await request(started.getHttpServer()).get('/geo/a').expect(200, '1');
      await request(started.getHttpServer()).get('/geo/b').expect(200, '2');
      await request(started.getHttpServer()).get('/geo/b').expect(200, '2');
    });

    it('should fall through to the method when the cache itself fails', async () => {
      const started = await start();
      const geo = started.get(GeoService);
      await geo.byState('CA');
      await started.get<TieredCache>(CACHE_INSTANCE).disconnect(); // every cache call now rejects E_CACHE_CLOSED

      expect(await geo.byState('CA')).toBe(2);
      expect(await geo.byState('CA')).toBe(3);
      await expect(geo.moved('CA')).resolves.toBeUndefined();
      const metrics = await (started.get<TieredCache>(CACHE_INSTANCE).registry as Registry).metrics();
      expect(metrics).toMatch(/cache_decorator_errors_total\{op="cacheable",namespace="routing"\} 2/);
      expect(metrics).toMatch(/cache_decorator_errors_total\{op="evict",namespace="routing"\} 1/);
    });

    it("should run a parent's cached method from an overriding one without re-entering the child's", async () => {
      const child = (await start({}, [ChildLookup])).get(ChildLookup);
      expect(await child.find('1')).toBe(10);
      expect(await child.find('1')).toBe(10);
      expect(child.runs).toBe(1);
    });

    it('should run request-scoped providers uncached rather than fail', async () => {
      const started = await start({}, [GeoService, PerRequestService]);
      const first = await started.resolve(PerRequestService);
      expect(await first.find('1')).toBe(1);
      expect(await first.find('1')).toBe(2);
    });
  });

  describe('declaration errors', () => {
    it('should refuse a key without a namespace segment at startup', async () => {
      @Injectable()
      class NoNamespace {
        @Cacheable({ key: '{id}' })
        async find(id: string): Promise<string> {
          return id;
        }
      }
      await expect(start({}, [NoNamespace])).rejects.toThrow(
        /@Cacheable on NoNamespace\.find: key "\{id\}" needs a literal namespace/,
      );
    });

    it('should refuse a bad TTL at startup', async () => {
      @Injectable()
      class BadTtl {
        @Cacheable({ key: 'x:{id}', ttl: 'soon' as never })
        async find(id: string): Promise<string> {
          return id;
        }
      }
      await expect(start({}, [BadTtl])).rejects.toThrow(CacheDecoratorError);
    });

    it('should refuse an eviction with nothing to evict when the class is declared', () => {
      expect(() => {
        class Empty {
          @CacheEvict({})
          async run(): Promise<void> {
            return undefined;
          }
        }
        return Empty;
      }).toThrow(/give at least one of `keys`, `tags` or `namespace`/);
    });
  });
});
