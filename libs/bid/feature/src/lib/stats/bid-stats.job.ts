import { Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { BidStatsRepository } from '@platform/bid-data-access';
import type { Cache } from '@platform/cache';
import { InjectCache } from '@platform/cache/nest';
import { BID_CACHE_NAMESPACES, BidsNamespaceKeys } from '../cache/bid-cache.keys';
import { formatUtcHour } from './bid-stats.service';

/** Most closed hours one run aggregates; a longer backlog (a first run on old data) takes several runs. */
export const BID_STATS_MAX_CLOSED_HOURS = 24;

/**
 * Aggregates the hourly bid statistics in the background, every minute: under a Postgres advisory lock (one
 * instance works per run), each hour that closed is aggregated into `bid_stats_hourly` (again whenever one of
 * its bids changes later: a status moves on, a bid is deleted), the open hour is
 * rewritten on every run, and `bids:stats:{hour}` of every hour written is evicted on every instance (L2 and,
 * over the bus, each L1), so the next read loads the new figures.
 */
@Injectable()
export class BidStatsJob {
  private readonly logger = new Logger(BidStatsJob.name);
  private running = false;

  constructor(
    private readonly stats: BidStatsRepository,
    @InjectCache(BID_CACHE_NAMESPACES.bids.namespace) private readonly cache: Cache<unknown>,
  ) {}

  /**
   * One run; resolves the hours it rewrote (`YYYY-MM-DDTHH`, oldest first), none when another run (here or on
   * another instance) holds the lock. Never throws: the next run retries.
   */
  @Cron(CronExpression.EVERY_MINUTE, { name: 'bid-stats' })
  async run(now = new Date()): Promise<string[]> {
    if (this.running) return [];
    this.running = true;
    try {
      const { hours } = await this.stats.aggregate({ now, maxClosedHours: BID_STATS_MAX_CLOSED_HOURS });
      const written = hours.map(formatUtcHour);
      await Promise.all(
        written.map((hour) =>
          this.cache.delete(BidsNamespaceKeys.stats(hour)).catch((error: unknown) =>
            // L1 is already dropped everywhere (the bus goes first); L2 keeps the old entry at most its TTL.
            this.logger.warn({ hour, err: String(error) }, 'Bid statistics eviction failed in L2'),
          ),
        ),
      );
      return written;
    } catch (error) {
      this.logger.warn(
        { err: error instanceof Error ? error.message : String(error) },
        'Bid statistics failed',
      );
      return [];
    } finally {
      this.running = false;
    }
  }
}
