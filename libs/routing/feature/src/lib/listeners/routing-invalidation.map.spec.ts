import { BuyerRoutingChanged, ComplianceRulesChanged, createEnvelope, Topic } from '@platform/contracts';
import { planEvent } from '@platform/service-kit';
import {
  buyerRoutingChangedInvalidation,
  complianceRulesChangedInvalidation,
  routingInvalidationMap,
} from './routing-invalidation.map';

const buyer = (over: Partial<BuyerRoutingChanged.Snapshot> = {}): BuyerRoutingChanged.Snapshot => ({
  buyerId: 'buyer-a',
  states: ['CA', 'NV'],
  minBidCents: 100,
  maxConcurrentCalls: 3,
  priority: 1,
  active: true,
  ...over,
});

const rulePlan = (
  before: ComplianceRulesChanged.Snapshot | null,
  after: ComplianceRulesChanged.Snapshot | null,
) =>
  planEvent(
    complianceRulesChangedInvalidation,
    createEnvelope({
      entity: 'compliance-rule' as const,
      entityId: 'x',
      op: before ? 'updated' : 'created',
      version: 1,
      before,
      after,
    }),
  );

describe('routingInvalidationMap', () => {
  it('should cover every topic the routing service consumes', () => {
    expect(routingInvalidationMap.entries.map((entry) => entry.topic).sort()).toEqual(
      [Topic.BuyerRoutingChanged, Topic.ComplianceRulesChanged].sort(),
    );
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

  describe(Topic.ComplianceRulesChanged, () => {
    it('should evict the geographic routing of a state whose rule changed', () => {
      expect(
        rulePlan({ kind: 'state', state: 'CA', active: true }, { kind: 'state', state: 'CA', active: false }),
      ).toEqual({
        keys: ['routing:geo:CA'],
        tags: [],
        namespaces: [],
      });
    });

    it('should clear every state’s geographic routing for a TCPA rule set, and nothing for a DNC entry', () => {
      expect(rulePlan(null, { kind: 'tcpa', tcpaVersion: 4, active: true })).toEqual({
        keys: [],
        tags: [],
        namespaces: ['routing:geo'],
      });
      expect(rulePlan(null, { kind: 'dnc', phoneHash: 'a'.repeat(64) })).toEqual({
        keys: [],
        tags: [],
        namespaces: [],
      });
    });
  });
});
