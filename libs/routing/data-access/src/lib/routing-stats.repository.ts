import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { MoreThanOrEqual, Repository } from 'typeorm';
import { RoutingHourlyStats } from './routing-hourly-stats.entity';

/** Calls routed in one hour from one state to one buyer (`buyerId: ''`: no buyer was eligible). */
export interface RoutedCalls {
  hour: Date;
  state: string;
  buyerId: string;
  calls: number;
}

/** A key and how many calls it saw, for "what is hot" questions. */
export interface CallCount {
  key: string;
  calls: number;
}

/** Persistence of the hourly routing statistics (written in batches by the background aggregator). */
@Injectable()
export class RoutingStatsRepository {
  constructor(@InjectRepository(RoutingHourlyStats) private readonly stats: Repository<RoutingHourlyStats>) {}

  /** Adds the counts to the stored ones (one statement; rows for the same hour, state and buyer add up). */
  async add(counts: readonly RoutedCalls[]): Promise<void> {
    if (counts.length === 0) return;
    const values = counts.map((_, i) => `($${4 * i + 1}, $${4 * i + 2}, $${4 * i + 3}, $${4 * i + 4})`);
    const table = this.stats.metadata.tablePath
      .split('.')
      .map((part) => `"${part}"`)
      .join('.');
    await this.stats.query(
      `INSERT INTO ${table} (hour, state, buyer_id, calls) VALUES ${values.join(', ')}
       ON CONFLICT (hour, state, buyer_id) DO UPDATE SET calls = ${table}.calls + EXCLUDED.calls`,
      counts.flatMap((c) => [c.hour, c.state, c.buyerId, c.calls]),
    );
  }

  /** Every row of one hour. */
  ofHour(hour: Date): Promise<RoutedCalls[]> {
    return this.stats.find({ where: { hour }, order: { state: 'ASC', buyerId: 'ASC' } });
  }

  /** Calls routed to each buyer since `since` (buyers with none are absent). */
  async callsPerBuyerSince(since: Date): Promise<Map<string, number>> {
    const rows = await this.stats
      .createQueryBuilder('s')
      .select('s.buyer_id', 'key')
      .addSelect('SUM(s.calls)::int', 'calls')
      .where('s.hour >= :since', { since })
      .andWhere("s.buyer_id <> ''")
      .groupBy('s.buyer_id')
      .getRawMany<CallCount>();
    return new Map(rows.map((row) => [row.key, Number(row.calls)]));
  }

  /** The `limit` states and buyers with the most calls since `since`, most first. */
  async busiestSince(since: Date, limit: number): Promise<{ states: CallCount[]; buyers: CallCount[] }> {
    const top = (column: 'state' | 'buyer_id') =>
      this.stats
        .createQueryBuilder('s')
        .select(`s.${column}`, 'key')
        .addSelect('SUM(s.calls)::int', 'calls')
        .where({ hour: MoreThanOrEqual(since) })
        .andWhere(column === 'buyer_id' ? "s.buyer_id <> ''" : 'true')
        .groupBy(`s.${column}`)
        .orderBy('calls', 'DESC')
        .limit(limit)
        .getRawMany<CallCount>();
    const [states, buyers] = await Promise.all([top('state'), top('buyer_id')]);
    return { states, buyers };
  }
}
