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
import type { EntityManager } from 'typeorm';
import { toCallRecordSnapshot } from './call-record.mapper';

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

/** Filters of {@link AnalyticsService.list}; `from`/`to` are ISO 8601 bounds on `startedAt`. */
export interface ListCallRecordsInput {
  buyerId?: string;
  from?: string;
  to?: string;
  limit?: number;
}

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
      return await this.records.create(
        {
          callId: input.callId,
          buyerId: input.buyerId,
          state: input.state,
          startedAt: new Date(input.startedAt),
          durationSeconds: input.durationSeconds,
          revenueCents: input.revenueCents,
          outcome: input.outcome,
        },
        async (tx, record) => {
          await this.counters.countCall(tx, record);
          await this.announce(tx, record);
        },
      );
    } catch (error) {
      if (isDuplicateCallId(error)) {
        throw new ConflictError('CALL_RECORD.DUPLICATE', `call ${input.callId} is already recorded`, {
          cause: error,
        });
      }
      throw error;
    }
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

  private announce(tx: EntityManager, record: CallRecord): Promise<void> {
    return this.outbox.add(
      tx,
      Topic.CallRecorded,
      createEnvelope({
        entity: 'call-record' as const,
        entityId: record.id,
        op: 'created',
        version: 1,
        before: null,
        after: toCallRecordSnapshot(record),
      }),
    );
  }
}
