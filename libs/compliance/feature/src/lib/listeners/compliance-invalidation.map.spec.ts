import { CallRecorded, ComplianceRulesChanged, createEnvelope, Topic } from '@platform/contracts';
import { planEvent } from '@platform/service-kit';
import {
  callRecordedInvalidation,
  complianceInvalidationMap,
  complianceRulesChangedInvalidation,
} from './compliance-invalidation.map';

const plan = (
  before: ComplianceRulesChanged.Snapshot | null,
  after: ComplianceRulesChanged.Snapshot | null,
) =>
  planEvent(
    complianceRulesChangedInvalidation,
    createEnvelope({
      entity: 'compliance-rule' as const,
      entityId: 'x',
      op: before && after ? 'updated' : before ? 'deleted' : 'created',
      version: 1,
      before,
      after,
    }),
  );

describe('complianceInvalidationMap', () => {
  it('should cover every topic the compliance service consumes', () => {
    expect(complianceInvalidationMap.entries.map((entry) => entry.topic).sort()).toEqual(
      [Topic.CallRecorded, Topic.ComplianceRulesChanged].sort(),
    );
  });

  describe(Topic.ComplianceRulesChanged, () => {
    it('should evict the versioned TCPA rule set that changed', () => {
      expect(
        plan({ kind: 'tcpa', tcpaVersion: 3, active: true }, { kind: 'tcpa', tcpaVersion: 3, active: false })
          .keys,
      ).toEqual(['compliance:tcpa:active', 'compliance:tcpa:v3']);
    });

    it('should leave the active pointer alone for a rule set that never was active', () => {
      expect(plan(null, { kind: 'tcpa', tcpaVersion: 4, active: false }).keys).toEqual([
        'compliance:tcpa:v4',
      ]);
    });

    it('should evict the DNC status of the hash and the rule of the state', () => {
      const hash = 'b'.repeat(64);
      expect(plan({ kind: 'dnc', phoneHash: hash }, null).keys).toEqual([`compliance:dnc:${hash}`]);
      expect(plan(null, { kind: 'state', state: 'TX' }).keys).toEqual(['compliance:state:TX']);
    });

    it('should drop every DNC answer and the filter pointer when an import publishes a generation', () => {
      expect(plan({ kind: 'dnc', dncGeneration: 1 }, { kind: 'dnc', dncGeneration: 2 })).toEqual({
        keys: ['compliance:dnc-filter'],
        tags: [],
        namespaces: ['compliance:dnc'],
      });
      expect(plan(null, { kind: 'dnc', phoneHash: 'c'.repeat(64) }).namespaces).toEqual([]);
    });
  });

  describe(Topic.CallRecorded, () => {
    it('should invalidate nothing: no compliance answer is cached from call records yet', () => {
      const call: CallRecorded.Snapshot = {
        id: '7f9c2b1e-2f7a-4d3b-9f43-1c2d3e4f5a6b',
        callId: 'c',
        buyerId: 'b',
        state: 'CA',
        startedAt: '2025-01-01T10:00:00Z',
        durationSeconds: 1,
        revenueCents: 1,
        outcome: 'connected',
      };
      const event = createEnvelope({
        entity: 'call-record' as const,
        entityId: call.id,
        op: 'created',
        version: 1,
        before: null,
        after: call,
      });
      expect(planEvent(callRecordedInvalidation, event)).toEqual({
        keys: [],
        tags: [],
        namespaces: [],
      });
    });
  });
});
