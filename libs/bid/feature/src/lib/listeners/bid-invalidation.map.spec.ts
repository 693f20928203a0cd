import {
  BidChanged,
  BuyerRoutingChanged,
  ComplianceRulesChanged,
  createEnvelope,
  Topic,
} from '@platform/contracts';
import { planEvent } from '@platform/service-kit';
import {
  bidChangedInvalidation,
  bidInvalidationMap,
  buyerRoutingChangedInvalidation,
  complianceRulesChangedInvalidation,
} from './bid-invalidation.map';

const bid = (over: Partial<BidChanged.Snapshot> = {}): BidChanged.Snapshot => ({
  id: '7f9c2b1e-2f7a-4d3b-9f43-1c2d3e4f5a6b',
  callId: 'call-1',
  buyerId: 'buyer-a',
  amountCents: 500,
  currency: 'USD',
  status: 'active',
  ...over,
});
const buyer = (over: Partial<BuyerRoutingChanged.Snapshot> = {}): BuyerRoutingChanged.Snapshot => ({
  buyerId: 'buyer-a',
  states: ['CA'],
  minBidCents: 100,
  maxConcurrentCalls: 3,
  priority: 1,
  active: true,
  ...over,
});

describe('bidInvalidationMap', () => {
  it('should cover every topic the bid service consumes', () => {
    expect([...bidInvalidationMap.entries.map((entry) => entry.topic)].sort()).toEqual(
      [Topic.BidChanged, Topic.BuyerRoutingChanged, Topic.ComplianceRulesChanged].sort(),
    );
  });

  describe(Topic.BidChanged, () => {
    const plan = (
      before: BidChanged.Snapshot | null,
      after: BidChanged.Snapshot | null,
      op: 'created' | 'updated' | 'deleted',
    ) =>
      planEvent(
        bidChangedInvalidation,
        createEnvelope({ entity: 'bid' as const, entityId: bid().id, op, version: 2, before, after }),
      );

    it('should evict the bid, its call and its buyer’s open bids on a status change', () => {
      expect(plan(bid({ status: 'active' }), bid({ status: 'won' }), 'updated')).toEqual({
        keys: [`bid:${bid().id}`, 'bids:buyer:buyer-a:active', 'bids:call:call-1'],
        tags: [],
        namespaces: [],
      });
    });

    it('should evict the open bids of both the old and the new buyer, and both calls', () => {
      const keys = plan(bid(), bid({ buyerId: 'buyer-b', callId: 'call-2' }), 'updated').keys;
      expect(keys).toEqual(
        expect.arrayContaining([
          'bids:buyer:buyer-a:active',
          'bids:buyer:buyer-b:active',
          'bids:call:call-1',
          'bids:call:call-2',
        ]),
      );
    });

    it('should evict the lists on creation but keep the bid cached on creation', () => {
      expect(plan(null, bid(), 'created').keys).toEqual(['bids:buyer:buyer-a:active', 'bids:call:call-1']);
    });

    it('should evict the bid and its lists on deletion', () => {
      const expected = [`bid:${bid().id}`, 'bids:buyer:buyer-a:active', 'bids:call:call-1'];
      expect(plan(bid(), null, 'deleted').keys).toEqual(expected);
    });
  });

  describe(Topic.BuyerRoutingChanged, () => {
    it('should evict the buyer’s open bids and this service’s copy of its routing profile', () => {
      const event = createEnvelope({
        entity: 'buyer' as const,
        entityId: 'buyer-a',
        op: 'updated',
        version: 3,
        before: buyer(),
        after: buyer({ minBidCents: 900 }),
      });
      expect(planEvent(buyerRoutingChangedInvalidation, event)).toEqual({
        keys: ['bids:buyer:buyer-a:active', 'routing:buyer:buyer-a'],
        tags: [],
        namespaces: [],
      });
    });
  });

  describe(Topic.ComplianceRulesChanged, () => {
    const plan = (after: ComplianceRulesChanged.Snapshot) =>
      planEvent(
        complianceRulesChangedInvalidation,
        createEnvelope({
          entity: 'compliance-rule' as const,
          entityId: 'x',
          op: 'updated',
          version: 2,
          before: after,
          after,
        }),
      ).keys;

    it('should evict this service’s copy of the changed state rule or DNC answer, and nothing for TCPA', () => {
      const hash = 'a'.repeat(64);
      expect(plan({ kind: 'state', state: 'CA' })).toEqual(['compliance:state:CA']);
      expect(plan({ kind: 'dnc', phoneHash: hash })).toEqual([`compliance:dnc:${hash}`]);
      expect(plan({ kind: 'tcpa', tcpaVersion: 3 })).toEqual([]);
    });

    it('should clear every copied DNC answer when a DNC import moves the list to a new generation', () => {
      const event = createEnvelope({
        entity: 'compliance-rule' as const,
        entityId: 'dnc-list',
        op: 'updated',
        version: 4,
        before: { kind: 'dnc' as const, dncGeneration: 3 },
        after: { kind: 'dnc' as const, dncGeneration: 4 },
      });
      expect(planEvent(complianceRulesChangedInvalidation, event)).toEqual({
        keys: [],
        tags: [],
        namespaces: ['compliance:dnc'],
      });
    });
  });
});
