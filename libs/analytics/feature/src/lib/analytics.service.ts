import { Injectable } from '@nestjs/common';
import {
  CallMetricsRepository,
  CallRecord,
  CallRecordRepository,
  isDuplicateCallId,
} from '@platform/analytics-data-access';
import { CallRecorded, createEnvelope, Topic } from '@platform/contracts';
import { OutboxService } from '@platform/database';
import { ConflictError, NotFoundError } from '@platform/service-kit';
import { toCallRecordSnapshot, type ReportedCallRecord } from './call-record.mapper';

/** A call to record, transport-neutral (REST sends the outcome as a word, gRPC as an enum, both end up here). */
export interface RecordCallInput {
  callId: string;
  buyerId: string;
  state: string;
  startedAt: string;
  durationSeconds: number;
  revenueCents: number;
  outcome: CallRecorded.CallOutcome;
}

/** What a won bid tells about the call it sold: the buyer, the price, and when. */
export interface SoldCallInput {
  callId: string;
  buyerId: string;
  revenueCents: number;
  /** When the bid was won (ISO 8601): recorded as the call's `startedAt`. */
  soldAt: string;
}

/** Filters of {@link AnalyticsService.list}; `from`/`to` are ISO 8601 bounds on `startedAt`. */
export interface ListCallRecordsInput {
  buyerId?: string;
  from?: string;
  to?: string;
  limit?: number;
}

/** What {@link AnalyticsService.recordMany} did. */
export interface RecordedBatch {
  recorded: CallRecord[];
  duplicateCallIds: string[];
}

const toRecordData = (input: RecordCallInput): Omit<CallRecord, 'id' | 'createdAt'> => ({
  callId: input.callId,
  buyerId: input.buyerId,
  state: input.state,
  startedAt: new Date(input.startedAt),
  durationSeconds: input.durationSeconds,
  revenueCents: input.revenueCents,
  outcome: input.outcome,
});

const toEvent = (record: ReportedCallRecord) =>
  createEnvelope({
    entity: 'call-record' as const,
    entityId: record.id,
    op: 'created',
    version: 1,
    before: null,
    after: toCallRecordSnapshot(record),
  });

/**
 * Call-record use cases; transport-neutral (REST and gRPC controllers both call it). Recording a call
 * adds it to its hour's counters and queues its `analytics.call.recorded.v1` event in the outbox, inside the
 * same transaction.
 */
@Injectable()
export class AnalyticsService {
  constructor(
    private readonly records: CallRecordRepository,
    private readonly counters: CallMetricsRepository,
    private readonly outbox: OutboxService,
  ) {}

  /** Records a completed call and announces it; a second record of the same `callId` is `CALL_RECORD.DUPLICATE`. */
  async record(input: RecordCallInput): Promise<CallRecord> {
    try {
      return await this.records.create(toRecordData(input), async (tx, record) => {
        await this.counters.countCall(tx, record);
        await this.outbox.add(tx, Topic.CallRecorded, toEvent(record as ReportedCallRecord));
      });
    } catch (error) {
      if (isDuplicateCallId(error)) {
        throw new ConflictError('CALL_RECORD.DUPLICATE', `call ${input.callId} is already recorded`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  /**
   * Records a batch of calls in one transaction, idempotent by `callId`: calls already recorded (earlier, or
   * earlier in the batch) are returned as `duplicateCallIds` and announce nothing; the others are recorded
   * and announced together.
   */
  async recordMany(inputs: readonly RecordCallInput[]): Promise<RecordedBatch> {
    const recorded = await this.records.createMany(inputs.map(toRecordData), async (tx, records) => {
      if (records.length === 0) return;
      for (const record of records) await this.counters.countCall(tx, record);
      await this.outbox.addMany(
        tx,
        Topic.CallRecorded,
        records.map((record) => toEvent(record as ReportedCallRecord)),
      );
    });
    const fresh = new Set(recorded.map((record) => record.callId));
    const duplicateCallIds = inputs.map((input) => input.callId).filter((callId) => !fresh.delete(callId));
    return { recorded, duplicateCallIds };
  }

  /**
   * Records a call sold through a won bid with what the bid knows: buyer, revenue (the bid's amount) and the
   * time it was won as `startedAt`; state, talk time and outcome stay unknown (null). Idempotent by `callId`:
   * a call already recorded (an earlier delivery, or a report over REST/gRPC) is left as it is. Bumps the
   * hour's counters in the same transaction. Announces nothing: `analytics.call.recorded.v1` carries every
   * detail of a reported call, and no other service consumes sold calls; the caller evicts the cached views.
   * Returns whether the call was recorded now.
   */
  async recordSold(input: SoldCallInput): Promise<boolean> {
    const data: Omit<CallRecord, 'id' | 'createdAt'> = {
      callId: input.callId,
      buyerId: input.buyerId,
      state: null,
      startedAt: new Date(input.soldAt),
      durationSeconds: null,
      revenueCents: input.revenueCents,
      outcome: null,
    };
    const recorded = await this.records.createMany([data], async (tx, records) => {
      for (const record of records) await this.counters.countCall(tx, record);
    });
    return recorded.length > 0;
  }

  /** The call record, or `CALL_RECORD.NOT_FOUND`. */
  async get(id: string): Promise<CallRecord> {
    const record = await this.records.findById(id);
    if (!record) throw new NotFoundError('call-record', id);
    return record;
  }

  /** Call records by buyer and/or start-time window, most recently started first. */
  list(filter: ListCallRecordsInput): Promise<CallRecord[]> {
    return this.records.list({
      buyerId: filter.buyerId,
      from: filter.from ? new Date(filter.from) : undefined,
      to: filter.to ? new Date(filter.to) : undefined,
      limit: filter.limit ?? 50,
    });
  }
}
