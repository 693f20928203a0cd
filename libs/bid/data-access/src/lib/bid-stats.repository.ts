import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager, Repository } from 'typeorm';
import { Bid } from './bid.entity';
import { BidHourlyStats } from './bid-hourly-stats.entity';
import { BidStatsHour } from './bid-stats-hour.entity';
import { BidStatsChangedHour } from './bid-stats-changed-hour.entity';

/** One row of an hour's statistics: a buyer's bids in one status. */
export type BidStatsRow = Pick<BidHourlyStats, 'buyerId' | 'status' | 'bids' | 'amountCents'>;

/** Options of {@link BidStatsRepository.aggregate}. */
export interface AggregateBidStatsOptions {
  /** The clock: its UTC hour is the open one, every earlier hour is closed. */
  now: Date;
  /** Most closed hours one run aggregates (a backlog is taken over the next runs, oldest first). */
  maxClosedHours: number;
}

/** What one aggregation run did. */
export interface AggregatedBidStats {
  /** False when another instance held the job's advisory lock: this run wrote nothing. */
  locked: boolean;
  /** The hours rewritten (newly closed hours, closed hours whose bids changed, then the open hour), oldest first. */
  hours: Date[];
}

/** `2026-12-05T14:37:00Z` → `2026-12-05T14:00:00Z`. */
export const utcHourStart = (at: Date): Date => new Date(Math.floor(at.getTime() / 3_600_000) * 3_600_000);

const quoted = (tablePath: string) =>
  tablePath
    .split('.')
    .map((part) => `"${part}"`)
    .join('.');

/**
 * Persistence of the hourly bid statistics. Only the background job writes them ({@link aggregate}); reads
 * ({@link ofHour}) never touch `bids`, so the request path never aggregates.
 */
@Injectable()
export class BidStatsRepository {
  constructor(@InjectRepository(BidHourlyStats) private readonly stats: Repository<BidHourlyStats>) {}

  /**
   * One incremental run, in one transaction under a transaction-scoped advisory lock (one instance works;
   * the others return `locked: false` at once): every hour that closed since the last closed hour written is
   * aggregated from `bids` (by UTC hour of creation, buyer and current status) and marked closed; a closed hour
   * is aggregated again only when its bids changed since ({@link noteChanged}); then the open hour is rewritten.
   *
   * The changed hours are taken (deleted) before `bids` is read: a change whose mark is taken committed with it
   * before that delete, so the reads that follow see it; a change still in flight keeps its mark for the next
   * run (its insert waits for this transaction, then finds no row).
   */
  aggregate(options: AggregateBidStatsOptions): Promise<AggregatedBidStats> {
    return this.stats.manager.transaction(async (tx) => {
      const tables = this.tables(tx);
      const [{ locked }] = await tx.query(`SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked`, [
        `bid-stats:${tables.stats}`,
      ]);
      if (!locked) return { locked: false, hours: [] };
      const open = utcHourStart(options.now);
      const closed: { hour: Date }[] = await tx.query(
        `SELECT DISTINCT date_trunc('hour', created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS hour
           FROM ${tables.bids}
          WHERE created_at < $1
            AND created_at >= COALESCE(
              (SELECT max(hour) + interval '1 hour' FROM ${tables.hours} WHERE closed), '-infinity')
          ORDER BY hour
          LIMIT $2`,
        [open, options.maxClosedHours],
      );
      const changed: { hour: Date }[] = await tx.query(
        // A SELECT over the delete, so the driver answers rows (a bare DELETE … RETURNING answers [rows, count]).
        `WITH taken AS (
           DELETE FROM ${tables.changed}
            WHERE hour IN (SELECT hour FROM ${tables.changed} WHERE hour < $1 ORDER BY hour LIMIT $2)
            RETURNING hour)
         SELECT hour FROM taken`,
        [open, options.maxClosedHours],
      );
      const earlier = new Map<number, Date>();
      for (const { hour } of [...changed, ...closed]) earlier.set(new Date(hour).getTime(), new Date(hour));
      const hours = [...[...earlier.values()].sort((a, b) => a.getTime() - b.getTime()), open];
      for (const hour of hours) await this.rewrite(tx, tables, hour, hour < open);
      return { locked: true, hours };
    });
  }

  /**
   * Notes, in the transaction of a change to a bid created at `createdAt`, that the bid's creation hour must be
   * aggregated again if it has closed (the open hour is rewritten by every run anyway). One small insert, only
   * for bids of earlier hours.
   */
  async noteChanged(tx: EntityManager, createdAt: Date, now = new Date()): Promise<void> {
    const hour = utcHourStart(createdAt);
    if (hour >= utcHourStart(now)) return;
    // Only the one table's path (not all three of `tables`): this runs in every such change's transaction.
    const changed = quoted(tx.connection.getMetadata(BidStatsChangedHour).tablePath);
    await tx.query(`INSERT INTO ${changed} (hour) VALUES ($1) ON CONFLICT (hour) DO NOTHING`, [hour]);
  }

  /** The stored statistics of the hour starting at `hour`, by buyer then status. */
  ofHour(hour: Date): Promise<BidStatsRow[]> {
    return this.stats.find({
      select: { buyerId: true, status: true, bids: true, amountCents: true },
      where: { hour },
      order: { buyerId: 'ASC', status: 'ASC' },
    });
  }

  private async rewrite(
    tx: EntityManager,
    tables: ReturnType<BidStatsRepository['tables']>,
    hour: Date,
    closed: boolean,
  ): Promise<void> {
    await tx.query(`DELETE FROM ${tables.stats} WHERE hour = $1`, [hour]);
    await tx.query(
      `INSERT INTO ${tables.stats} (hour, buyer_id, status, bids, amount_cents)
       SELECT $1, buyer_id, status, count(*), sum(amount_cents)
         FROM ${tables.bids}
        WHERE created_at >= $1 AND created_at < $1::timestamptz + interval '1 hour'
        GROUP BY buyer_id, status`,
      [hour],
    );
    await tx.query(
      `INSERT INTO ${tables.hours} (hour, closed, aggregated_at) VALUES ($1, $2, now())
       ON CONFLICT (hour) DO UPDATE SET closed = EXCLUDED.closed, aggregated_at = now()`,
      [hour, closed],
    );
  }

  private tables(tx: EntityManager) {
    return {
      bids: quoted(tx.connection.getMetadata(Bid).tablePath),
      stats: quoted(tx.connection.getMetadata(BidHourlyStats).tablePath),
      hours: quoted(tx.connection.getMetadata(BidStatsHour).tablePath),
      changed: quoted(tx.connection.getMetadata(BidStatsChangedHour).tablePath),
    };
  }
}
