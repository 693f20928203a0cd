import { BuyerRoutingChanged, ComplianceRulesChanged, Topic } from '@platform/contracts';
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
 * What a compliance rule change makes stale in the routing service: a state rule (calling hours,
 * consent) changes which calls that state's geographic routing may take; a TCPA rule set applies to
 * every state. A DNC entry concerns one phone number, which routing does not cache.
 */
export const complianceRulesChangedInvalidation = invalidateOn(
  Topic.ComplianceRulesChanged,
  ComplianceRulesChanged.Value,
  [
    {
      reason: "a state's rule: that state's geographic routing",
      keys: (rule) => [rule.kind === 'state' && rule.state ? RoutingCacheKeys.geo(rule.state) : null],
    },
    {
      reason: 'a TCPA rule set: the geographic routing of every state',
      namespaces: (rule) => [rule.kind === 'tcpa' ? RoutingCacheKeys.geoNamespace : null],
    },
  ],
);

/** The routing service's invalidation map: consumed topic → cache entries its events make stale. */
export const routingInvalidationMap = defineInvalidationMap('routing', [
  buyerRoutingChangedInvalidation,
  complianceRulesChangedInvalidation,
]);
