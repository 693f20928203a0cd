import { BidChanged, BuyerRoutingChanged, CallRecorded, createEnvelope, Topic } from '@platform/contracts';
import { planEvent } from '@platform/service-kit';
import {
  analyticsInvalidationMap,
  bidChangedInvalidation,
  buyerRoutingChangedInvalidation,
  callRecordedInvalidation,
} from './analytics-invalidation.map';

const call: CallRecorded.Snapshot = {
  id: '7f9c2b1e-2f7a-4d3b-9f43-1c2d3e4f5a6b',
  callId: 'call-1',
  buyerId: 'buyer-a',
  state: 'CA',
  startedAt: '2025-03-04T17:45:00-05:00',
  durationSeconds: 60,
  revenueCents: 250,
  outcome: 'connected',
};

describe('analyticsInvalidationMap', () => {
  it('should cover every topic the analytics service consumes', () => {
    expect(analyticsInvalidationMap.entries.map((entry) => entry.topic).sort()).toEqual(
      [Topic.BidChanged, Topic.BuyerRoutingChanged, Topic.CallRecorded].sort(),
    );
  });

  describe(Topic.CallRecorded, () => {
    it('should drop the buyer’s revenue (every period) and the UTC hour’s metrics, not the view-backed KPIs', () => {
      const event = createEnvelope({
        entity: 'call-record' as const,
        entityId: call.id,
        op: 'created',
        version: 1,
        before: null,
        after: call,
      });
      expect(planEvent(callRecordedInvalidation, event)).toEqual({
        keys: ['analytics:calls:2025-03-04:22'],
        tags: ['analytics:revenue:buyer-a'],
        namespaces: [],
      });
    });
  });

  describe(Topic.BuyerRoutingChanged, () => {
    it('should drop the buyer’s revenue views and this service’s copy of its routing profile', () => {
      const buyer: BuyerRoutingChanged.Snapshot = {
        buyerId: 'buyer-a',
        states: ['CA'],
        minBidCents: 1,
        maxConcurrentCalls: 1,
        priority: 0,
        active: true,
      };
      const event = createEnvelope({
        entity: 'buyer' as const,
        entityId: 'buyer-a',
        op: 'updated',
        version: 2,
        before: buyer,
        after: { ...buyer, priority: 5 },
      });
      expect(planEvent(buyerRoutingChangedInvalidation, event)).toEqual({
        keys: ['routing:buyer:buyer-a'],
        tags: ['analytics:revenue:buyer-a'],
        namespaces: [],
      });
    });
  });

  describe(Topic.BidChanged, () => {
    it('should invalidate nothing: no analytics view is built from bids yet', () => {
      const bid: BidChanged.Snapshot = {
        id: call.id,
        callId: 'c',
        buyerId: 'b',
        amountCents: 1,
        currency: 'USD',
        status: 'won',
      };
      const event = createEnvelope({
        entity: 'bid' as const,
        entityId: bid.id,
        op: 'created',
        version: 1,
        before: null,
        after: bid,
      });
      expect(planEvent(bidChangedInvalidation, event)).toEqual({
        keys: [],
        tags: [],
        namespaces: [],
      });
    });
  });
});
