import type { CacheFeatureOptions } from '@platform/cache/nest';
import { COMPLIANCE_CLIENT_CACHES, complianceDncKey, complianceStateKey } from '@platform/compliance-client';
import { routingProfileKey } from '@platform/routing-client';

/**
 * Every cache key of the bid service, built in one place (the spec's names). The service's `CACHE_PREFIX`
 * is added by the engine, not here.
 */
export const BidCacheKeys = {
  /** One bid: `bid:{bidID}`. */
  bid: (bidId: string) => `bid:${BidNamespaceKeys.bid(bidId)}`,
  /** The bids of a call: `bids:call:{callID}`. */
  byCall: (callId: string) => `bids:${BidsNamespaceKeys.byCall(callId)}`,
  /** A buyer's open bids with their eligibility: `bids:buyer:{buyerID}:active`. */
  activeByBuyer: (buyerId: string) => `bids:${BidsNamespaceKeys.activeByBuyer(buyerId)}`,
  /** The hourly bid statistics of a UTC hour `YYYY-MM-DDTHH`: `bids:stats:{hour}`. */
  stats: (hour: string) => `bids:${BidsNamespaceKeys.stats(hour)}`,
  /** This service's copy of a buyer's routing profile (kept by routing's client): `routing:buyer:{buyerID}`. */
  buyerRouting: routingProfileKey,
  /** This service's copy of a state's compliance rule (kept by compliance's client): `compliance:state:{state}`. */
  complianceState: complianceStateKey,
  /** This service's copy of a number's DNC answer (kept by compliance's client): `compliance:dnc:{phoneHash}`. */
  complianceDnc: complianceDncKey,
  /** Every copy of a DNC answer, `compliance:dnc:*`: cleared as a whole when a DNC import commits. */
  complianceDncNamespace: COMPLIANCE_CLIENT_CACHES.dnc.namespace,
} as const;

/** Keys within the `bid` namespace (what `@InjectCache('bid')` is given). */
export const BidNamespaceKeys = {
  /** `{bidID}`, i.e. `bid:{bidID}`. */
  bid: (bidId: string) => bidId,
} as const;

/** Keys within the `bids` namespace (what the service's `@InjectCache('bids')` cache is given). */
export const BidsNamespaceKeys = {
  /** `call:{callID}`, i.e. `bids:call:{callID}`. */
  byCall: (callId: string) => `call:${callId}`,
  /** `buyer:{buyerID}:active`, i.e. `bids:buyer:{buyerID}:active`. */
  activeByBuyer: (buyerId: string) => `buyer:${buyerId}:active`,
  /** `stats:{hour}`, i.e. `bids:stats:{hour}`. */
  stats: (hour: string) => `stats:${hour}`,
} as const;

/** The spec's bid TTLs: L1 30 s, L2 5 min. Set here only. */
const BID_TTL = { l1: '30s', l2: '5m' } as const;

/**
 * Refresh-ahead: a bid entry read after 3 of its 5 minutes is served at once and reloaded in the background
 * (the engine's soft TTL), so a key read at least once in each last 2 minutes of its life never expires into
 * a miss. The TTLs stay the spec's; event invalidation still removes a changed entry at once, everywhere. A
 * key read less often than that expires as before.
 */
const BID_SOFT_TTL = '3m';

/**
 * TTLs of `bids:stats:{hour}` (per call, over the `bids` namespace's): the open hour is rewritten by every job
 * run, so it lives briefly (L1 10 s, L2 1 min); a closed hour is final once the job has written it, so it lives
 * long (L1 5 min, L2 24 h). Both are evicted on every instance whenever the job rewrites the hour. Set here only.
 */
export const BID_STATS_TTL = {
  openHour: { l1: '10s', l2: '1m' },
  closedHour: { l1: '5m', l2: '24h' },
} as const;

/**
 * The bid service's cache namespaces and their TTLs, for `CacheModule.forFeature` (routing data: routing's
 * client registers its own namespace with the routing TTLs).
 */
export const BID_CACHE_NAMESPACES = {
  bid: { namespace: 'bid', ttl: BID_TTL, softTtl: BID_SOFT_TTL },
  bids: { namespace: 'bids', ttl: BID_TTL, softTtl: BID_SOFT_TTL },
} as const satisfies Record<string, CacheFeatureOptions>;

/**
 * The published cross-instance stale bound: once a change is acknowledged by one instance, no instance (L1,
 * L2) and no edge answers the old value after this long. A contract with room for a loaded machine, not the
 * target: `npm run bench:bid-stale` measures the real figure against the spec's p99 ≤ 150 ms.
 */
export const BID_STALE_BOUND_MS = 5000;
