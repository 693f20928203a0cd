/** Injection token of the root {@link TieredCache} that `CacheModule.forRoot` creates. */
export const CACHE_INSTANCE = Symbol('platform.cache.instance');
/** Injection token of the {@link EdgePurger} the module invokes when keys or tags are invalidated. */
export const EDGE_PURGER = Symbol('platform.cache.edgePurger');
/**
 * Injection token of the {@link HttpCacheOptions} the HTTP caching interceptor reads (`CacheModule.forRoot({ http })`
 * provides it; optional: the interceptor has defaults).
 */
export const HTTP_CACHE_OPTIONS = Symbol('platform.cache.httpOptions');
/** Metadata keys the decorators and interceptors write and read. */
export const CACHE_METADATA = {
  cacheable: 'platform.cache:cacheable',
  put: 'platform.cache:put',
  evict: 'platform.cache:evict',
  route: 'platform.cache:route',
  noCache: 'platform.cache:no-cache',
} as const;
/**
 * Injection token of the cache-manager v7 `Cache` facade over the root cache. The same string as
 * `@nestjs/cache-manager`'s `CACHE_MANAGER`, so `@Inject(CACHE_MANAGER) cache: Cache` code works unchanged.
 */
export const CACHE_MANAGER = 'CACHE_MANAGER';
/** Injection token of the prom-client `Registry` served at `/metrics`; register other metrics on it too. */
export const CACHE_METRICS_REGISTRY = Symbol('platform.cache.metricsRegistry');

/** Injection token of the namespaced cache that `CacheModule.forFeature({ namespace })` provides. */
export function getCacheToken(namespace: string): string {
  return `platform.cache:namespace:${namespace}`;
}
