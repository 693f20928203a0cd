/** Injection token of the root {@link TieredCache} that `CacheModule.forRoot` creates. */
export const CACHE_INSTANCE = Symbol('platform.cache.instance');
/** Injection token of the {@link EdgePurger} the module invokes when keys or tags are invalidated. */
export const EDGE_PURGER = Symbol('platform.cache.edgePurger');
/** Metadata keys the decorators and interceptors write and read. */
export const CACHE_METADATA = {
  cacheable: 'platform.cache:cacheable',
  put: 'platform.cache:put',
  evict: 'platform.cache:evict',
  route: 'platform.cache:route',
  noCache: 'platform.cache:no-cache',
} as const;
