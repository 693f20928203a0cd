import type { CacheFeatureOptions } from '@platform/cache/nest';

/**
 * Keys within the `routing` namespace: what the service's `@InjectCache('routing')` cache is given (the
 * engine adds `routing:` and the service's `CACHE_PREFIX`).
 */
export const RoutingNamespaceKeys = {
  /** `buyer:{buyerID}`, i.e. `routing:buyer:{buyerID}`. */
  buyer: (buyerId: string) => `buyer:${buyerId}`,
  /** `geo:{state}`, i.e. `routing:geo:{state}`. */
  geo: (state: string) => `geo:${state}`,
  /** `stats:{hour}`, i.e. `routing:stats:{hour}`. */
  stats: (hour: string) => `stats:${hour}`,
} as const;

/** Every cache key of the routing service, built in one place (the spec's names), as invalidation maps name them. */
export const RoutingCacheKeys = {
  /** A buyer's routing criteria: `routing:buyer:{buyerID}`. */
  buyer: (buyerId: string) => `routing:${RoutingNamespaceKeys.buyer(buyerId)}`,
  /** Geographic routing of a state (its precomputed route: the active buyers that take its calls): `routing:geo:{state}`. */
  geo: (state: string) => `routing:${RoutingNamespaceKeys.geo(state)}`,
  /** The namespace of every `routing:geo:{state}` entry. */
  geoNamespace: 'routing:geo',
  /** Hourly statistics: `routing:stats:{hour}`. */
  stats: (hour: string) => `routing:${RoutingNamespaceKeys.stats(hour)}`,
} as const;

/**
 * The routing namespace and the spec's TTLs (L1 60 s routing rules, L2 15 min buyer preferences), for
 * `CacheModule.forFeature`; inject it with `@InjectCache(ROUTING_CACHE_NAMESPACE.namespace)`. Set here only.
 * Refresh-ahead past 10 minutes (the engine's soft TTL): an entry read in the last 5 minutes of its life is
 * served at once and reloaded in the background, beside the predictive warmer's refreshes of the hot keys it
 * detects; a change still evicts it at once through the event path.
 */
export const ROUTING_CACHE_NAMESPACE = {
  namespace: 'routing',
  ttl: { l1: '60s', l2: '15m' },
  softTtl: '10m',
} as const satisfies CacheFeatureOptions;
