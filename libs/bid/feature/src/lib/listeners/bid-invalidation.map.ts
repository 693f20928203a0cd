import { BidChanged, BuyerRoutingChanged, Topic } from '@platform/contracts';
import { defineInvalidationMap, invalidateOn } from '@platform/service-kit';
import { BidCacheKeys } from '../cache/bid-cache.keys';

/**
 * What a bid change makes stale in the bid service. Applied to the old and the new state, so a bid that
 * moves to another call or buyer, or changes status, evicts both sides' lists.
 */
export const bidChangedInvalidation = invalidateOn(Topic.BidChanged, BidChanged.Value, [
  {
    reason: 'the bid itself, the bids of its call, the open bids of its buyer',
    keys: (bid) => [
      BidCacheKeys.bid(bid.id),
      BidCacheKeys.byCall(bid.callId),
      BidCacheKeys.activeByBuyer(bid.buyerId),
    ],
  },
]);

/** What a buyer's routing change makes stale in the bid service. */
export const buyerRoutingChangedInvalidation = invalidateOn(
  Topic.BuyerRoutingChanged,
  BuyerRoutingChanged.Value,
  [
    {
      reason: "the buyer's open bids carry their eligibility under its routing criteria",
      keys: (buyer) => [BidCacheKeys.activeByBuyer(buyer.buyerId)],
    },
    {
      reason: "this service's copy of the buyer's routing profile",
      keys: (buyer) => [BidCacheKeys.buyerRouting(buyer.buyerId)],
    },
  ],
);

/** The bid service's invalidation map: consumed topic → cache entries its events make stale. */
export const bidInvalidationMap = defineInvalidationMap('bid', [
  bidChangedInvalidation,
  buyerRoutingChangedInvalidation,
]);
