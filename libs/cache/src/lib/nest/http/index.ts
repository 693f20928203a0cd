export { HttpCacheInterceptor } from './http-cache.interceptor';
export { HttpCacheFastPath, installHttpCacheFastPath } from './http-cache.fast-path';
export {
  CacheEntryRoute,
  CacheEntryRouteInterceptor,
  CACHE_ENTRY_ROUTE_METADATA,
  type CacheEntryReads,
  type CacheEntryRouteOptions,
} from './cache-entry-route.decorator';
export { CacheRoute, NoCache } from './cache-route.decorator';
// Framework-free parts, re-exported so existing `@platform/cache/nest` imports keep working.
export type { CachedHttpResponse, HttpCacheStatus } from '../../http/cached-response';
export type { HttpCachePlan, ResolvedRouteTtl } from '../../http/http-cache-plan';
export { buildCacheControl, type CacheControlInput } from '../../http/cache-control';
export { strongEtag, etagMatches } from '../../http/etag';
export {
  normalizeQuery,
  buildRequestKey,
  defaultIdentity,
  DEFAULT_IGNORED_QUERY_PARAMS,
  type RequestKeyParts,
} from '../../http/request-key';
