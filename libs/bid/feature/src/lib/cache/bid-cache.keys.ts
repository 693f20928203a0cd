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
} as const;

/** The spec's bid TTLs: L1 30 s, L2 5 min. Set here only. */
const BID_TTL = { l1: '30s', l2: '5m' } as const;

/**
 * The bid service's cache namespaces and their TTLs, for `CacheModule.forFeature` (routing data: routing's
 * client registers its own namespace with the routing TTLs).
 */
export const BID_CACHE_NAMESPACES = {
  bid: { namespace: 'bid', ttl: BID_TTL },
  bids: { namespace: 'bids', ttl: BID_TTL },
} as const satisfies Record<string, CacheFeatureOptions>;
