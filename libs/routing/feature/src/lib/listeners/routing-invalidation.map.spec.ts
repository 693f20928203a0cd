import { BuyerRoutingChanged, createEnvelope, Topic } from '@platform/contracts';
import { planEvent } from '@platform/service-kit';
import { buyerRoutingChangedInvalidation, routingInvalidationMap } from './routing-invalidation.map';
import { routingServiceSpec } from '../routing.service-spec';

const buyer = (over: Partial<BuyerRoutingChanged.Snapshot> = {}): BuyerRoutingChanged.Snapshot => ({
  buyerId: 'buyer-a',
  states: ['CA', 'NV'],
  minBidCents: 100,
  maxConcurrentCalls: 3,
  priority: 1,
  active: true,
  ...over,
});

describe('routingInvalidationMap', () => {
  it('should cover every topic the routing service consumes, and only its own buyer changes', () => {
    expect(routingInvalidationMap.entries.map((entry) => entry.topic)).toEqual([Topic.BuyerRoutingChanged]);
    // Nothing routing caches is built from compliance's rules: consuming them would only evict routes.
    expect(routingServiceSpec().kafka.consumes).toEqual([Topic.BuyerRoutingChanged]);
  });

  describe(Topic.BuyerRoutingChanged, () => {
    it('should evict the buyer and the geographic routing of its old and new states', () => {
      const event = createEnvelope({
        entity: 'buyer' as const,
        entityId: 'buyer-a',
        op: 'updated',
        version: 2,
        before: buyer(),
        after: buyer({ states: ['NV', 'TX'] }),
      });
      expect(planEvent(buyerRoutingChangedInvalidation, event).keys).toEqual([
        'routing:buyer:buyer-a',
        'routing:geo:CA',
        'routing:geo:NV',
        'routing:geo:TX',
      ]);
    });

    it('should evict the states of a deleted buyer', () => {
      const event = createEnvelope({
        entity: 'buyer' as const,
        entityId: 'buyer-a',
        op: 'deleted',
        version: 3,
        before: buyer(),
        after: null,
      });
      expect(planEvent(buyerRoutingChangedInvalidation, event).keys).toEqual([
        'routing:buyer:buyer-a',
        'routing:geo:CA',
        'routing:geo:NV',
      ]);
    });
  });
});
