import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { CallRecord } from './call-record.entity';

/** A buyer's calls and revenue over a time window. */
export interface BuyerRevenue {
  calls: number;
  connectedCalls: number;
  revenueCents: number;
}

/** Aggregates over call records, computed in Postgres (the `(buyer_id, started_at)` index serves them). */
@Injectable()
export class CallRevenueRepository {
  constructor(@InjectRepository(CallRecord) private readonly records: Repository<CallRecord>) {}

  /** Calls, connected calls and revenue of `buyerId` for calls started in `[from, to)`. */
  async buyerRevenue(buyerId: string, from: Date, to: Date): Promise<BuyerRevenue> {
    const row = await this.records
      .createQueryBuilder('call')
      .select('COUNT(*)::int', 'calls')
      .addSelect(`COUNT(*) FILTER (WHERE call.outcome = 'connected')::int`, 'connectedCalls')
      .addSelect('COALESCE(SUM(call.revenueCents), 0)::bigint', 'revenueCents')
      .where('call.buyerId = :buyerId', { buyerId })
      .andWhere('call.startedAt >= :from AND call.startedAt < :to', { from, to })
      .getRawOne<{ calls: number; connectedCalls: number; revenueCents: string }>();
    return {
      calls: row?.calls ?? 0,
      connectedCalls: row?.connectedCalls ?? 0,
      revenueCents: Number(row?.revenueCents ?? 0),
    };
  }
}
