import { BuyerRoutingChanged, Topic } from '@platform/contracts';
import { defineInvalidationMap, invalidateOn } from '@platform/service-kit';
import { RoutingCacheKeys } from '../cache/routing-cache.keys';

/**
 * What a buyer's routing change makes stale in the routing service: the buyer's criteria and the
 * geographic routing of every state in its old and new criteria (a buyer that drops CA leaves
 * `routing:geo:CA`; one that adds TX joins `routing:geo:TX`).
 */
export const buyerRoutingChangedInvalidation = invalidateOn(
  Topic.BuyerRoutingChanged,
  BuyerRoutingChanged.Value,
  [
    { reason: "the buyer's criteria", keys: (buyer) => [RoutingCacheKeys.buyer(buyer.buyerId)] },
    {
      reason: 'the states the buyer takes calls from, before and after',
      keys: (buyer) => buyer.states.map(RoutingCacheKeys.geo),
      onChangeOf: [
        'states',
        'active',
        'priority',
        'minBidCents',
        'maxConcurrentCalls',
        'timeZone',
        'hoursStartMinute',
        'hoursEndMinute',
        'dailyCap',
      ],
    },
  ],
);

/**
 * The routing service's invalidation map: consumed topic → cache entries its events make stale. Compliance's
 * rule changes are not consumed: no routing entry is built from them (a route holds buyer criteria only; the
 * calling-hours and DNC checks of a call are bid's, against its own copies of compliance's answers).
 */
export const routingInvalidationMap = defineInvalidationMap('routing', [buyerRoutingChangedInvalidation]);
