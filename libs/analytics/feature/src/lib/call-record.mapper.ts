import type { CallRecord } from '@platform/analytics-data-access';
import { CallRecorded } from '@platform/contracts';
import { analyticsV1 } from '@platform/proto';

/**
 * A call record as the REST API returns it; `state`, `durationSeconds` and `outcome` are null for a call known
 * only from the bid that sold it.
 */
export interface CallRecordView {
  id: string;
  callId: string;
  buyerId: string;
  state: string | null;
  startedAt: string;
  durationSeconds: number | null;
  revenueCents: number;
  outcome: CallRecorded.CallOutcome | null;
  createdAt: string;
}

/** A reported call record: every detail known (what `analytics.call.recorded.v1` announces). */
export type ReportedCallRecord = CallRecord & {
  state: string;
  durationSeconds: number;
  outcome: CallRecorded.CallOutcome;
};

/** Entity → event snapshot (what consumers need to aggregate and invalidate). */
export const toCallRecordSnapshot = (record: ReportedCallRecord): CallRecorded.Snapshot => ({
  id: record.id,
  callId: record.callId,
  buyerId: record.buyerId,
  state: record.state,
  startedAt: record.startedAt.toISOString(),
  durationSeconds: record.durationSeconds,
  revenueCents: record.revenueCents,
  outcome: record.outcome,
});

/** Entity → REST view. */
export const toCallRecordView = (record: CallRecord): CallRecordView => ({
  id: record.id,
  callId: record.callId,
  buyerId: record.buyerId,
  state: record.state,
  startedAt: record.startedAt.toISOString(),
  durationSeconds: record.durationSeconds,
  revenueCents: record.revenueCents,
  outcome: record.outcome,
  createdAt: record.createdAt.toISOString(),
});

const OUTCOME_TO_PROTO: Record<CallRecorded.CallOutcome, analyticsV1.CallOutcome> = {
  connected: analyticsV1.CallOutcome.CALL_OUTCOME_CONNECTED,
  missed: analyticsV1.CallOutcome.CALL_OUTCOME_MISSED,
  rejected: analyticsV1.CallOutcome.CALL_OUTCOME_REJECTED,
  failed: analyticsV1.CallOutcome.CALL_OUTCOME_FAILED,
};

/** Domain outcome → proto enum. */
export const outcomeToProto = (outcome: CallRecorded.CallOutcome): analyticsV1.CallOutcome =>
  OUTCOME_TO_PROTO[outcome];

/** Proto enum → domain outcome (validated upstream: never UNSPECIFIED here). */
export const outcomeFromProto = (outcome: analyticsV1.CallOutcome): CallRecorded.CallOutcome => {
  const found = (Object.keys(OUTCOME_TO_PROTO) as CallRecorded.CallOutcome[]).find(
    (key) => OUTCOME_TO_PROTO[key] === outcome,
  );
  if (!found) throw new RangeError(`Unknown call outcome ${outcome}`);
  return found;
};

/**
 * Entity → gRPC message. Details unknown for a call known only from its won bid go out as the proto defaults:
 * `state` `''`, `duration_seconds` 0, `outcome` `CALL_OUTCOME_UNSPECIFIED`.
 */
export const toCallRecordMessage = (record: CallRecord): analyticsV1.CallRecord => ({
  ...toCallRecordView(record),
  state: record.state ?? '',
  durationSeconds: record.durationSeconds ?? 0,
  outcome:
    record.outcome === null
      ? analyticsV1.CallOutcome.CALL_OUTCOME_UNSPECIFIED
      : outcomeToProto(record.outcome),
});
