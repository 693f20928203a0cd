/** Why a call is refused. */
export type CheckReason =
  'DNC_LISTED' | 'NO_ACTIVE_TCPA_RULES' | 'TCPA_QUIET_HOURS' | 'OUTSIDE_STATE_CALLING_HOURS';

/**
 * A check decision: every field is audited; `ruleVersion` is the one TCPA version the whole check used.
 * `reasons` is shared between decisions with the same reasons (frozen): read it, do not change it.
 */
export interface CheckDecision {
  phoneHash: string;
  allowed: boolean;
  ruleVersion: number | null;
  reasons: readonly CheckReason[];
  state: string;
  checkedAt: number;
}

/**
 * The reasons of a decision as bits, for the batch form ({@link CheckBatch}): one byte per check instead of
 * an object and an array. 0 is allowed.
 */
export const CheckReasonBit = {
  DNC_LISTED: 1,
  NO_ACTIVE_TCPA_RULES: 2,
  TCPA_QUIET_HOURS: 4,
  OUTSIDE_STATE_CALLING_HOURS: 8,
} as const satisfies Record<CheckReason, number>;

/** A batch code meaning "not decided": the state's rule or the number's DNC status is not in this L1. */
export const NOT_IN_L1 = 0x80;

/** The reasons in the order every decision lists them. */
const REASON_ORDER: readonly CheckReason[] = [
  'DNC_LISTED',
  'NO_ACTIVE_TCPA_RULES',
  'TCPA_QUIET_HOURS',
  'OUTSIDE_STATE_CALLING_HOURS',
];

/** Every combination of reasons, frozen once: a decision points at one instead of building an array. */
const REASONS_BY_CODE: readonly (readonly CheckReason[])[] = Array.from({ length: 16 }, (_, code) =>
  Object.freeze(REASON_ORDER.filter((reason) => (code & CheckReasonBit[reason]) !== 0)),
);

/** The reasons of a decision code (0..15), shared and frozen. */
export const reasonsOf = (code: number): readonly CheckReason[] => REASONS_BY_CODE[code & 15];

/**
 * Decisions of a batch checked by hash: the one TCPA version the whole batch pinned, and per check (in the
 * order asked) its reason bits (0 = allowed) or {@link NOT_IN_L1}.
 */
export interface CheckBatch {
  /** The TCPA version every decision of the batch used (null: no active rule set, every check refused). */
  ruleVersion: number | null;
  /** Per check: {@link CheckReasonBit}s, 0 when allowed, or {@link NOT_IN_L1}. */
  codes: Uint8Array;
  /** The time of the checks that gave no `at` (epoch ms): one clock read for the batch. */
  checkedAt: number;
}
