import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { InTransaction } from '@platform/database';
import {
  And,
  FindOperator,
  FindOptionsWhere,
  In,
  LessThan,
  MoreThanOrEqual,
  QueryFailedError,
  Repository,
} from 'typeorm';
import { CallRecord } from './call-record.entity';

/** Name of the unique constraint on `call_records.call_id`. */
export const CALL_RECORDS_CALL_ID_KEY = 'call_records_call_id_key';

/** Filters for {@link CallRecordRepository.list}; `from` is inclusive, `to` exclusive (on `startedAt`). */
export interface CallRecordFilter {
  buyerId?: string;
  from?: Date;
  to?: Date;
  limit: number;
}

/** Persistence of call records. The only place that knows call records live in Postgres. */
@Injectable()
export class CallRecordRepository {
  constructor(@InjectRepository(CallRecord) private readonly records: Repository<CallRecord>) {}

  /**
   * Inserts a call record and returns it with its generated id and timestamp. A second record of the
   * same `callId` is rejected by Postgres; recognise it with {@link isDuplicateCallId}. `then` runs in the
   * same transaction (e.g. to queue the record's event): if it fails, nothing is recorded.
   */
  create(data: Omit<CallRecord, 'id' | 'createdAt'>, then?: InTransaction<CallRecord>): Promise<CallRecord> {
    return this.records.manager.transaction(async (tx) => {
      const record = await tx.save(tx.create(CallRecord, data));
      await then?.(tx, record);
      return record;
    });
  }

  /**
   * Inserts the records whose `callId` is new (`ON CONFLICT DO NOTHING`: a replayed or repeated call is
   * skipped, never an error) and returns the inserted ones in input order. `then` runs in the same transaction.
   */
  createMany(
    data: readonly Omit<CallRecord, 'id' | 'createdAt'>[],
    then?: InTransaction<CallRecord[]>,
  ): Promise<CallRecord[]> {
    return this.records.manager.transaction(async (tx) => {
      const result = await tx
        .createQueryBuilder()
        .insert()
        .into(CallRecord)
        .values(data.map((row) => ({ ...row })))
        .orIgnore()
        .returning(['id'])
        .execute();
      const ids = (result.raw as { id: string }[]).map((row) => row.id);
      const inserted = ids.length === 0 ? [] : await tx.findBy(CallRecord, { id: In(ids) });
      const order = new Map<string, number>();
      data.forEach((row, i) => order.set(row.callId, order.get(row.callId) ?? i));
      inserted.sort((a, b) => (order.get(a.callId) ?? 0) - (order.get(b.callId) ?? 0));
      await then?.(tx, inserted);
      return inserted;
    });
  }

  /** The call record, or null. */
  findById(id: string): Promise<CallRecord | null> {
    return this.records.findOneBy({ id });
  }

  /** Call records matching every given filter, most recently started first. */
  list(filter: CallRecordFilter): Promise<CallRecord[]> {
    const where: FindOptionsWhere<CallRecord> = {};
    if (filter.buyerId) where.buyerId = filter.buyerId;
    const bounds: FindOperator<Date>[] = [];
    if (filter.from) bounds.push(MoreThanOrEqual(filter.from));
    if (filter.to) bounds.push(LessThan(filter.to));
    if (bounds.length > 0) where.startedAt = bounds.length === 1 ? bounds[0] : And(...bounds);
    return this.records.find({ where, order: { startedAt: 'DESC', createdAt: 'DESC' }, take: filter.limit });
  }
}

/** Whether `error` is Postgres rejecting a second record of the same `callId` (unique violation 23505). */
export function isDuplicateCallId(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const driverError = error.driverError as { code?: string; constraint?: string };
  return driverError.code === '23505' && driverError.constraint === CALL_RECORDS_CALL_ID_KEY;
}
