import type { CacheFeatureOptions, HttpCacheTtl } from '@platform/cache/nest';
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

/**
 * How long the open hour's `analytics:calls:{date}:{hour}` lives in L1, L2 and at the edge: its figures move
 * with every call, so 60 s (the view refresh's default period) instead of the namespace's 5 min / 1 h / 24 h.
 */
export const OPEN_HOUR_TTL_MS = 60_000;

const HOUR_MS = 3_600_000;

/**
 * TTLs of one hour's metrics, for `@CacheRoute({ ttlFor })`: `undefined` for a closed hour (the namespace's
 * 5 min / 1 h / 24 h: it only changes when a late record arrives, which evicts it), and for the open (or a
 * future) hour {@link OPEN_HOUR_TTL_MS} in every layer, capped at the hour's close (in whole seconds), so an
 * answer that says `open: true` is never served after the hour has closed. Anything that is not a real
 * `YYYY-MM-DD` / `00`–`23` is `undefined` (the request is refused with a 400, which is never cached).
 */
export function callHourTtl(date: string, hour: string, now = Date.now()): HttpCacheTtl | undefined {
  const start = Date.parse(`${date}T${hour}:00:00.000Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !/^([01]\d|2[0-3])$/.test(hour) || Number.isNaN(start)) {
    return undefined;
  }
  const untilClose = start + HOUR_MS - now;
  if (untilClose <= 0) return undefined;
  const ttl = Math.max(1000, Math.min(OPEN_HOUR_TTL_MS, Math.ceil(untilClose / 1000) * 1000));
  return { l1: ttl, l2: ttl, l3: ttl };
}
