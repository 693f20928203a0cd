import type { CacheFeatureOptions } from '@platform/cache/nest';

/** Every cache key of the routing service, built in one place (the spec's names). */
export const RoutingCacheKeys = {
  /** A buyer's routing criteria: `routing:buyer:{buyerID}`. */
  buyer: (buyerId: string) => `routing:buyer:${buyerId}`,
  /** Geographic routing of a state (the buyers that take its calls): `routing:geo:{state}`. */
  geo: (state: string) => `routing:geo:${state}`,
  /** The namespace of every `routing:geo:{state}` entry. */
  geoNamespace: 'routing:geo',
  /** Hourly statistics: `routing:stats:{hour}`. */
  stats: (hour: string) => `routing:stats:${hour}`,
} as const;

/**
 * The routing namespace and the spec's TTLs (L1 60 s routing rules, L2 15 min buyer preferences), for
 * `CacheModule.forFeature`; inject it with `@InjectCache(ROUTING_CACHE_NAMESPACE.namespace)`.
 */
export const ROUTING_CACHE_NAMESPACE = {
  namespace: 'routing',
  ttl: { l1: '60s', l2: '15m' },
} as const satisfies CacheFeatureOptions;
