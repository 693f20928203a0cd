import type { CacheFeatureOptions } from '@platform/cache/nest';
import { routingProfileKey } from '@platform/routing-client';

/** Every cache key and tag of the analytics service, built in one place (the spec's names). */
export const AnalyticsCacheKeys = {
  /** Hourly call metrics: `analytics:calls:{date}:{hour}` (UTC date `YYYY-MM-DD`, hour `00`–`23`). */
  calls: (date: string, hour: string) => `analytics:calls:${date}:${hour}`,
  /** The hourly-metrics key of the hour an instant falls in. */
  callsAt: (instant: string) => {
    const iso = new Date(instant).toISOString();
    return AnalyticsCacheKeys.calls(iso.slice(0, 10), iso.slice(11, 13));
  },
  /** A buyer's revenue over a period: `analytics:revenue:{buyerID}:{period}`. */
  revenue: (buyerId: string, period: string) => `analytics:revenue:${buyerId}:${period}`,
  /**
   * Tag on every `analytics:revenue:{buyerID}:{period}` entry of a buyer, so all its periods are dropped in
   * one O(1) tag invalidation instead of a keyspace scan.
   */
  revenueTag: (buyerId: string) => `analytics:revenue:${buyerId}`,
  /** KPIs: `analytics:performance:{metric}`. */
  performance: (metric: string) => `analytics:performance:${metric}`,
  /** This service's copy of a buyer's routing profile (kept by routing's client): `routing:buyer:{buyerID}`. */
  buyerRouting: routingProfileKey,
} as const;

/**
 * The analytics namespace and the spec's TTLs, for `CacheModule.forFeature` (set here only): L1 5 min, L2 1 h,
 * and 24 h at the L3 edge (CDN distribution for dashboards), which `@CacheRoute` responses under `analytics:`
 * take. The edge copy is purged by surrogate key whenever its tags are invalidated, so the long L3 TTL never
 * outlives an invalidation. (Routing data: routing's client registers its own namespace.)
 */
export const ANALYTICS_CACHE_NAMESPACE = {
  namespace: 'analytics',
  ttl: { l1: '5m', l2: '1h', l3: '24h' },
} as const satisfies CacheFeatureOptions;
