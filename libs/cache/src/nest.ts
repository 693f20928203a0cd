// Public API of @platform/cache/nest: the NestJS module, decorators, interceptors and the L3 edge.
export * from './lib/nest/cache.constants';
export { CacheModule } from './lib/nest/cache.module';
export {
  CACHE_MODULE_OPTIONS,
  CACHE_MODULE_OPTIONS_TYPE,
  CACHE_MODULE_ASYNC_OPTIONS_TYPE,
} from './lib/nest/cache.module-definition';
export * from './lib/nest/interfaces';
export * from './lib/nest/decorators';
export {
  CacheInvalidator,
  type InvalidationTarget,
  type InvalidationResult,
} from './lib/nest/cache-invalidator.service';
export { CacheNamespaces } from './lib/nest/cache-namespaces';
export * from './lib/nest/health';
export { CacheNestMetrics, type CacheNestOp } from './lib/nest/metrics';
// HTTP caching interceptor and the L3 edge (Cache-Control, ETag, Surrogate-Key; Varnish and CloudFront purge).
export * from './lib/nest/http';
export * from './lib/nest/edge';
