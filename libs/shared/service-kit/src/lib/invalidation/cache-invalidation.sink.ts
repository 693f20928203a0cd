import { Inject, Injectable, Logger, OnModuleInit, Optional } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { TieredCache } from '@platform/cache';
import { CACHE_INSTANCE, CacheInvalidator, EDGE_PURGER, type EdgePurger } from '@platform/cache/nest';
import { InvalidationPlan, InvalidationSink, isEmptyPlan } from './invalidation-plan';

/** Injection token of the service's {@link InvalidationSink} (default: {@link CacheInvalidationSink}). */
export const INVALIDATION_SINK = Symbol('service-kit:invalidation-sink');

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Applies invalidation plans to the service's cache. With the cache module (`@platform/cache/nest`) it goes
 * through its `CacheInvalidator`, the one path every invalidation takes (engine + L3 edge purge). Without it,
 * it drives the root cache (`CACHE_INSTANCE`) itself and purges the edge (`EDGE_PURGER`) when there is one.
 * A service with no cache at all has nothing to invalidate: plans are dropped.
 *
 * Engine failures reject with the engine's error (`E_L2_UNAVAILABLE` when Redis is down, after every
 * instance's L1 has been evicted), so the consumer retries; edge purge failures are logged only.
 */
@Injectable()
export class CacheInvalidationSink implements InvalidationSink, OnModuleInit {
  private readonly logger = new Logger(CacheInvalidationSink.name);
  private invalidator: CacheInvalidator | undefined;

  constructor(
    private readonly moduleRef: ModuleRef,
    @Optional() @Inject(CACHE_INSTANCE) private readonly cache?: TieredCache | null,
    @Optional() @Inject(EDGE_PURGER) private readonly purger?: EdgePurger | null,
  ) {}

  onModuleInit(): void {
    try {
      this.invalidator = this.moduleRef.get(CacheInvalidator, { strict: false });
    } catch {
      this.invalidator = undefined; // the cache module is not imported: use the engine directly
    }
    if (!this.invalidator && !this.cache) {
      this.logger.warn('No cache configured: consumed events invalidate nothing');
    }
  }

  async apply(plan: InvalidationPlan): Promise<void> {
    if (isEmptyPlan(plan)) return;
    if (this.invalidator) {
      await this.invalidator.invalidate(plan);
      return;
    }
    const cache = this.cache;
    if (!cache) return;
    const outcomes = await Promise.allSettled([
      plan.keys.length > 0 ? cache.deleteMany(plan.keys) : 0,
      plan.tags.length > 0 ? cache.invalidateTags(plan.tags) : 0,
      ...plan.namespaces.map((namespace) => cache.clear(namespace)),
    ]);
    await this.purgeEdge([...plan.keys, ...plan.tags, ...plan.namespaces]);
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
  }

  private async purgeEdge(surrogateKeys: string[]): Promise<void> {
    if (!this.purger) return;
    try {
      await this.purger.purgeSurrogateKeys([...new Set(surrogateKeys)]);
    } catch (error) {
      this.logger.error({ purger: this.purger.name, err: message(error) }, 'Edge purge failed');
    }
  }
}
