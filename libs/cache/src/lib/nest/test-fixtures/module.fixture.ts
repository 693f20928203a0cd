/**
 * Fixture providers for the module specs: code written for `@nestjs/cache-manager` (unchanged: it imports
 * the token from that package), a feature module with `forFeature`, an edge purger that records calls,
 * and declarations that must stop the application at startup.
 */
import { Inject, Injectable, Module } from '@nestjs/common';
import { CACHE_MANAGER } from '@nestjs/cache-manager';
import type { Cache as CacheManager } from 'cache-manager';
import type { Cache } from '../../cache/cache.types';
import { CacheModule } from '../cache.module';
import { Cacheable } from '../decorators/cacheable.decorator';
import { InjectCache } from '../decorators/inject-cache.decorator';
import type { EdgePurger } from '../edge/edge-purger';

/** A service exactly as written against `@nestjs/cache-manager`. */
@Injectable()
export class LegacyCacheManagerService {
  constructor(@Inject(CACHE_MANAGER) private readonly cache: CacheManager) {}

  async remember(key: string, value: unknown): Promise<unknown> {
    await this.cache.set(key, value, 60_000);
    return this.cache.get(key);
  }

  forget(key: string): Promise<boolean> {
    return this.cache.del(key);
  }

  read(key: string): Promise<unknown> {
    return this.cache.get(key);
  }

  wrapped(key: string, load: () => Promise<unknown>): Promise<unknown> {
    return this.cache.wrap(key, load, 60_000);
  }
}

/** Uses the `routing` namespace of a feature module, directly and through a decorator. */
@Injectable()
export class RoutingService {
  loads = 0;

  constructor(@InjectCache('routing') readonly routing: Cache<{ state: string }>) {}

  @Cacheable({ key: 'routing:geo:{state}' })
  async geo(state: string): Promise<{ state: string; n: number }> {
    this.loads++;
    return { state, n: this.loads };
  }
}

/** A feature module registering `routing` with the spec's TTLs. */
@Module({
  imports: [CacheModule.forFeature({ namespace: 'routing', ttl: { l1: '60s', l2: '15m', l3: '1m' } })],
  providers: [RoutingService],
  exports: [RoutingService],
})
export class RoutingFeatureModule {}

/** An edge purger that records what it was asked to purge, and fails on demand. */
export class RecordingPurger implements EdgePurger {
  readonly name = 'recording';
  readonly purged: string[][] = [];
  failure: Error | undefined;

  async purgeSurrogateKeys(keys: readonly string[]): Promise<void> {
    this.purged.push([...keys]);
    if (this.failure !== undefined) throw this.failure;
  }
}

/** A key template naming a parameter that does not exist: the application must not start. */
@Injectable()
export class MisspelledKeyService {
  @Cacheable({ key: 'bid:{bidId}' })
  async find(id: string): Promise<string> {
    return id;
  }
}

/** A synchronous method cannot become a cache lookup: the application must not start. */
@Injectable()
export class SyncMethodService {
  @Cacheable({ key: 'bid:{id}' })
  find(id: string): string {
    return id;
  }
}
