import type { CacheFeatureOptions } from '@platform/cache/nest';
import type { PeerDefaults } from '@platform/config';

/**
 * The routing service as a peer: add it to the calling service's `defaults.peers` so `ROUTING_GRPC_ADDRESS`
 * is validated with the rest of its config.
 */
export const ROUTING_PEER = {
  name: 'routing',
  addressVar: 'ROUTING_GRPC_ADDRESS',
  defaultAddress: '127.0.0.1:5102',
} as const satisfies PeerDefaults;

/**
 * Where a calling service keeps its copy of routing profiles: `routing:buyer:{buyerID}` in its own cache,
 * with the spec's routing TTLs (L1 60 s, L2 15 min). The copy is evicted by the caller's
 * `routing.buyer.changed.v1` invalidation, so it is never older than the invalidation lag.
 */
export const ROUTING_PROFILE_CACHE = {
  namespace: 'routing:buyer',
  ttl: { l1: '60s', l2: '15m' },
} as const satisfies CacheFeatureOptions;

/** The full cache key of a buyer's routing profile copy, `routing:buyer:{buyerID}` (for invalidation maps). */
export const routingProfileKey = (buyerId: string): string => `${ROUTING_PROFILE_CACHE.namespace}:${buyerId}`;
