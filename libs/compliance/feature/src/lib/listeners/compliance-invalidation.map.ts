import { CallRecorded, ComplianceRulesChanged, Topic } from '@platform/contracts';
import { defineInvalidationMap, invalidateOn } from '@platform/service-kit';
import { ComplianceCacheKeys } from '../cache/compliance-cache.keys';

/** Whether the change is a whole DNC list generation (a bulk import), not one entry. */
const isDncList = (rule: ComplianceRulesChanged.Snapshot) =>
  rule.kind === 'dnc' && rule.dncGeneration !== undefined;

/**
 * What a compliance rule change makes stale in the compliance service: the changed rule's own key, by
 * kind. Activating a TCPA rule set also deactivates the previous one, which arrives as its own event.
 */
export const complianceRulesChangedInvalidation = invalidateOn(
  Topic.ComplianceRulesChanged,
  ComplianceRulesChanged.Value,
  [
    {
      reason: 'the rule itself',
      keys: (rule) => [
        rule.kind === 'tcpa' && rule.tcpaVersion !== undefined
          ? ComplianceCacheKeys.tcpa(rule.tcpaVersion)
          : null,
        // A rule set that is or was active: the pointer checks pin their version from.
        rule.kind === 'tcpa' && rule.active ? ComplianceCacheKeys.tcpaActive() : null,
        rule.kind === 'dnc' && rule.phoneHash ? ComplianceCacheKeys.dnc(rule.phoneHash) : null,
        rule.kind === 'state' && rule.state ? ComplianceCacheKeys.state(rule.state) : null,
      ],
    },
    {
      reason: 'a DNC import: the generation pointer the membership filter is trusted by, every DNC answer',
      keys: (rule) => [isDncList(rule) ? ComplianceCacheKeys.dncFilter() : null],
      namespaces: (rule) => [isDncList(rule) ? ComplianceCacheKeys.dncNamespace : null],
    },
  ],
);

/**
 * A recorded call makes nothing stale in the compliance service yet: no cached compliance answer reads
 * call records (per-state attempt counting will add its keys here).
 */
export const callRecordedInvalidation = invalidateOn(Topic.CallRecorded, CallRecorded.Value, []);

/** The compliance service's invalidation map: consumed topic → cache entries its events make stale. */
export const complianceInvalidationMap = defineInvalidationMap('compliance', [
  complianceRulesChangedInvalidation,
  callRecordedInvalidation,
]);
