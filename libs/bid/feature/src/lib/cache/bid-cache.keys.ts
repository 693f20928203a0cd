import type { TtlOption } from '@platform/cache';
import { routingProfileKey } from '@platform/routing-client';

/**
 * Every cache key of the bid service, built in one place (the spec's names). The service's `CACHE_PREFIX`
 * is added by the engine, not here.
 */
export const BidCacheKeys = {
  /** One bid: `bid:{bidID}`. */
  bid: (bidId: string) => `bid:${bidId}`,
  /** The bids of a call: `bids:call:{callID}`. */
  byCall: (callId: string) => `bids:call:${callId}`,
  /** A buyer's open bids with their eligibility: `bids:buyer:{buyerID}:active`. */
  activeByBuyer: (buyerId: string) => `bids:buyer:${buyerId}:active`,
  /** This service's copy of a buyer's routing profile (kept by routing's client): `routing:buyer:{buyerID}`. */
  buyerRouting: routingProfileKey,
} as const;

/** TTLs per the spec: bid data L1 30 s / L2 5 min (routing data: routing's client keeps its own). */
export const BID_CACHE_TTL = {
  bid: { l1: '30s', l2: '5m' },
} as const satisfies Record<string, TtlOption>;
