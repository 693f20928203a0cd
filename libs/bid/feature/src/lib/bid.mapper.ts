import type { Bid } from '@platform/bid-data-access';
import { BidChanged } from '@platform/contracts';
import { bidV1 } from '@platform/proto';

/** A bid as the REST API returns it. */
export interface BidView {
  id: string;
  callId: string;
  buyerId: string;
  amountCents: number;
  currency: string;
  status: BidChanged.BidStatus;
  expiresAt: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** Entity → event snapshot (what consumers need to invalidate). */
export const toBidSnapshot = (bid: Bid): BidChanged.Snapshot => ({
  id: bid.id,
  callId: bid.callId,
  buyerId: bid.buyerId,
  amountCents: bid.amountCents,
  currency: bid.currency,
  status: bid.status,
});

/** Entity → REST view: the event snapshot plus expiry and bookkeeping. */
export const toBidView = (bid: Bid): BidView => ({
  ...toBidSnapshot(bid),
  expiresAt: bid.expiresAt ? bid.expiresAt.toISOString() : null,
  version: bid.version,
  createdAt: bid.createdAt.toISOString(),
  updatedAt: bid.updatedAt.toISOString(),
});

const STATUS_TO_PROTO: Record<BidChanged.BidStatus, bidV1.BidStatus> = {
  pending: bidV1.BidStatus.BID_STATUS_PENDING,
  active: bidV1.BidStatus.BID_STATUS_ACTIVE,
  won: bidV1.BidStatus.BID_STATUS_WON,
  lost: bidV1.BidStatus.BID_STATUS_LOST,
  expired: bidV1.BidStatus.BID_STATUS_EXPIRED,
  cancelled: bidV1.BidStatus.BID_STATUS_CANCELLED,
};

/** Domain status → proto enum. */
export const statusToProto = (status: BidChanged.BidStatus): bidV1.BidStatus => STATUS_TO_PROTO[status];

/** Proto enum → domain status (validated upstream: never UNSPECIFIED here). */
export const statusFromProto = (status: bidV1.BidStatus): BidChanged.BidStatus => {
  const found = (Object.keys(STATUS_TO_PROTO) as BidChanged.BidStatus[]).find(
    (key) => STATUS_TO_PROTO[key] === status,
  );
  if (!found) throw new RangeError(`Unknown bid status ${status}`);
  return found;
};

/** REST view (what the cache holds) → gRPC message. */
export const toBidMessage = (bid: BidView): bidV1.Bid => ({
  ...bid,
  status: statusToProto(bid.status),
  expiresAt: bid.expiresAt ?? '',
});
