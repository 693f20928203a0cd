// The HTTP cache without a framework: what a response cache decides (keys, plans, headers), usable by any
// Node HTTP framework; `@platform/cache/nest`'s HttpCacheInterceptor is the Nest shell over it.
export type * from './http-cache-options';
export { buildCacheControl, type CacheControlInput } from './cache-control';
export { strongEtag, etagMatches } from './etag';
export { toSurrogateKey, surrogateKeys } from './surrogate-keys';
export {
  normalizeQuery,
  buildRequestKey,
  defaultIdentity,
  DEFAULT_IGNORED_QUERY_PARAMS,
  type RequestKeyParts,
} from './request-key';
export { resolveHttpCacheSettings, type HttpCacheSettings } from './http-cache-settings';
export { compileRoute, type CompiledRoute } from './route-compiler';
export type { HttpCachePlan, ResolvedRouteTtl } from './http-cache-plan';
export { planRequest, type HttpNamespacePolicies, type PlanContext } from './request-planner';
export {
  toCachedResponse,
  isStaleEntry,
  type CachedHttpResponse,
  type HttpCacheStatus,
  type StoreInput,
} from './cached-response';
export { writeCachedAnswer, type CachedAnswer, type HttpResponseLike } from './responder';
