import type { DncEntry, StateRule, TcpaRuleSet } from '@platform/compliance-data-access';
import { ComplianceRulesChanged } from '@platform/contracts';
import { complianceV1 } from '@platform/proto';
import type { CheckDecision } from './check-decision';

/** A TCPA rule set as the REST API returns it. */
export interface TcpaRuleSetView {
  id: string;
  version: number;
  rules: Record<string, unknown>;
  effectiveFrom: string;
  active: boolean;
  createdAt: string;
}

/** A do-not-call entry as the REST API returns it (the hash only, never the number). */
export interface DncEntryView {
  phoneHash: string;
  source: string;
  addedAt: string;
  expiresAt: string | null;
}

/** Answer of a do-not-call check. */
export interface DncCheckView {
  listed: boolean;
  phoneHash: string;
}

/** A state rule as the REST API returns it. */
export interface StateRuleView {
  state: string;
  callingHoursStart: number;
  callingHoursEnd: number;
  timezone: string;
  maxAttemptsPerDay: number;
  requiresConsent: boolean;
  version: number;
  updatedAt: string;
}

/** Entity → REST view. */
export const toTcpaRuleSetView = (ruleSet: TcpaRuleSet): TcpaRuleSetView => ({
  id: ruleSet.id,
  version: ruleSet.version,
  rules: ruleSet.rules,
  effectiveFrom: ruleSet.effectiveFrom.toISOString(),
  active: ruleSet.active,
  createdAt: ruleSet.createdAt.toISOString(),
});

/** Entity → REST view. */
export const toDncEntryView = (entry: DncEntry): DncEntryView => ({
  phoneHash: entry.phoneHash,
  source: entry.source,
  addedAt: entry.addedAt.toISOString(),
  expiresAt: entry.expiresAt ? entry.expiresAt.toISOString() : null,
});

/** Entity → REST view. */
export const toStateRuleView = (rule: StateRule): StateRuleView => ({
  state: rule.state,
  callingHoursStart: rule.callingHoursStart,
  callingHoursEnd: rule.callingHoursEnd,
  timezone: rule.timezone,
  maxAttemptsPerDay: rule.maxAttemptsPerDay,
  requiresConsent: rule.requiresConsent,
  version: rule.version,
  updatedAt: rule.updatedAt.toISOString(),
});

/** Entity → event snapshot: what consumers need to evict `compliance:tcpa:v{version}`. */
export const toTcpaSnapshot = (ruleSet: TcpaRuleSet): ComplianceRulesChanged.Snapshot => ({
  kind: 'tcpa',
  tcpaVersion: ruleSet.version,
  active: ruleSet.active,
});

/** Entity → event snapshot: what consumers need to evict `compliance:dnc:{hash}` (never the number). */
export const toDncSnapshot = (entry: DncEntry): ComplianceRulesChanged.Snapshot => ({
  kind: 'dnc',
  phoneHash: entry.phoneHash,
});

/** The DNC list as a whole at a generation: what consumers need to drop every cached DNC answer. */
export const toDncListSnapshot = (generation: number): ComplianceRulesChanged.Snapshot => ({
  kind: 'dnc',
  dncGeneration: generation,
});

/** Entity → event snapshot: what consumers need to evict `compliance:state:{state}`. */
export const toStateSnapshot = (rule: StateRule): ComplianceRulesChanged.Snapshot => ({
  kind: 'state',
  state: rule.state,
});

/** View → gRPC message (rules as a JSON string). */
export const toTcpaRuleSetMessage = (ruleSet: TcpaRuleSetView): complianceV1.TcpaRuleSet => ({
  id: ruleSet.id,
  version: ruleSet.version,
  rulesJson: JSON.stringify(ruleSet.rules),
  effectiveFrom: ruleSet.effectiveFrom,
  active: ruleSet.active,
  createdAt: ruleSet.createdAt,
});

/** Entity → gRPC message (no expiry as ''). */
export const toDncEntryMessage = (entry: DncEntry): complianceV1.DncEntry => ({
  ...toDncEntryView(entry),
  expiresAt: entry.expiresAt ? entry.expiresAt.toISOString() : '',
});

/** View → gRPC message (the same fields). */
export const toStateRuleMessage = (rule: StateRuleView): complianceV1.StateRule => rule;

/** A check decision as REST and gRPC return it (time as RFC 3339; no version as 0 over gRPC). */
export interface CheckDecisionView {
  phoneHash: string;
  allowed: boolean;
  ruleVersion: number | null;
  reasons: string[];
  state: string;
  checkedAt: string;
}

/** Decision → REST view. */
export const toCheckDecisionView = (decision: CheckDecision): CheckDecisionView => ({
  ...decision,
  reasons: [...decision.reasons],
  checkedAt: new Date(decision.checkedAt).toISOString(),
});

/** Decision → gRPC message (no version as 0). */
export const toCheckDecisionMessage = (decision: CheckDecision): complianceV1.CheckDecision => ({
  ...toCheckDecisionView(decision),
  ruleVersion: decision.ruleVersion ?? 0,
});
