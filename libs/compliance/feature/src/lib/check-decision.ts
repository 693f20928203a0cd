/** Why a call is refused. */
export type CheckReason =
  'DNC_LISTED' | 'NO_ACTIVE_TCPA_RULES' | 'TCPA_QUIET_HOURS' | 'OUTSIDE_STATE_CALLING_HOURS';

/** A check decision: every field is audited; `ruleVersion` is the one TCPA version the whole check used. */
export interface CheckDecision {
  phoneHash: string;
  allowed: boolean;
  ruleVersion: number | null;
  reasons: CheckReason[];
  state: string;
  checkedAt: number;
}
