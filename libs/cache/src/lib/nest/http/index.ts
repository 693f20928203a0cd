export {
  HttpCacheInterceptor,
  type CachedHttpResponse,
  type HttpCachePlan,
  type HttpCacheStatus,
  type ResolvedRouteTtl,
} from './http-cache.interceptor';
export { CacheRoute, NoCache } from './cache-route.decorator';
export { buildCacheControl, type CacheControlInput } from './cache-control';
export { strongEtag, etagMatches } from './etag';
export {
  normalizeQuery,
  buildRequestKey,
  defaultIdentity,
  DEFAULT_IGNORED_QUERY_PARAMS,
  type RequestKeyParts,
} from './request-key';
