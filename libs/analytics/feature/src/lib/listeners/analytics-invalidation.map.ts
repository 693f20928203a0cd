import { BidChanged, BuyerRoutingChanged, CallRecorded, Topic } from '@platform/contracts';
import { defineInvalidationMap, invalidateOn } from '@platform/service-kit';
import { AnalyticsCacheKeys } from '../cache/analytics-cache.keys';

/**
 * What a recorded call makes stale in the analytics service at once: the buyer's revenue views (every period,
 * by tag; read from the records) and the metrics of the hour the call started in (the open hour is read from
 * counters the record bumped). The KPIs and closed hours come from materialized views, which this call does
 * not change until the next refresh: `CallViewRefresher` invalidates them then.
 */
export const callRecordedInvalidation = invalidateOn(Topic.CallRecorded, CallRecorded.Value, [
  {
    reason: "the buyer's revenue, every period",
    tags: (call) => [AnalyticsCacheKeys.revenueTag(call.buyerId)],
  },
  { reason: 'hourly call metrics', keys: (call) => [AnalyticsCacheKeys.callsAt(call.startedAt)] },
]);

/**
 * What a buyer's routing change makes stale in the analytics service: its revenue views carry its routing
 * criteria, and this service's copy of its profile.
 */
export const buyerRoutingChangedInvalidation = invalidateOn(
  Topic.BuyerRoutingChanged,
  BuyerRoutingChanged.Value,
  [
    {
      reason: "revenue views show the buyer's routing criteria",
      tags: (buyer) => [AnalyticsCacheKeys.revenueTag(buyer.buyerId)],
    },
    {
      reason: "this service's copy of the buyer's routing profile",
      keys: (buyer) => [AnalyticsCacheKeys.buyerRouting(buyer.buyerId)],
    },
  ],
);

/**
 * A bid change makes nothing stale by itself: a won bid first becomes a call record (`BidWonListener`), which
 * then evicts its hour and its buyer's revenue. Evicting here would run before the record is written, and a
 * read in between would cache the old figures again.
 */
export const bidChangedInvalidation = invalidateOn(Topic.BidChanged, BidChanged.Value, []);

/** The analytics service's invalidation map: consumed topic → cache entries its events make stale. */
export const analyticsInvalidationMap = defineInvalidationMap('analytics', [
  callRecordedInvalidation,
  buyerRoutingChangedInvalidation,
  bidChangedInvalidation,
]);
