import { BidChanged, BuyerRoutingChanged, ComplianceRulesChanged, Topic } from '@platform/contracts';
import { defineInvalidationMap, invalidateOn } from '@platform/service-kit';
import { BidCacheKeys } from '../cache/bid-cache.keys';

/**
 * What a bid change makes stale in the bid service. Applied to the old and the new state, so a bid that
 * moves to another call or buyer, or changes status, evicts both sides' lists.
 */
export const bidChangedInvalidation = invalidateOn(Topic.BidChanged, BidChanged.Value, [
  {
    reason: 'the bid itself (cached on creation, so its own create event must not evict it)',
    keys: (bid) => [BidCacheKeys.bid(bid.id)],
    ops: ['updated', 'deleted'],
  },
  {
    reason: 'the bids of its call, the active bids of its buyer',
    keys: (bid) => [BidCacheKeys.byCall(bid.callId), BidCacheKeys.activeByBuyer(bid.buyerId)],
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

/** What a compliance rule change makes stale in the bid service: its copies read by the decision path. */
export const complianceRulesChangedInvalidation = invalidateOn(
  Topic.ComplianceRulesChanged,
  ComplianceRulesChanged.Value,
  [
    {
      reason: "this service's copies of the state's rule and of the number's DNC answer",
      keys: (rule) => [
        rule.kind === 'state' && rule.state ? BidCacheKeys.complianceState(rule.state) : null,
        rule.kind === 'dnc' && rule.phoneHash ? BidCacheKeys.complianceDnc(rule.phoneHash) : null,
      ],
    },
    {
      reason: 'a DNC import moved the whole list to a new generation: every DNC answer this service copied',
      namespaces: (rule) => [
        rule.kind === 'dnc' && rule.dncGeneration !== undefined ? BidCacheKeys.complianceDncNamespace : null,
      ],
    },
  ],
);

/** The bid service's invalidation map: consumed topic → cache entries its events make stale. */
export const bidInvalidationMap = defineInvalidationMap('bid', [
  bidChangedInvalidation,
  buyerRoutingChangedInvalidation,
  complianceRulesChangedInvalidation,
]);
