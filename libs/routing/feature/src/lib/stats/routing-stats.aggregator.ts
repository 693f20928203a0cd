import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { RoutedCalls, RoutingStatsRepository } from '@platform/routing-data-access';
import { RoutingCacheReader } from '../cache/routing-cache.reader';

/** How often counted decisions are written to Postgres (and daily cap usage is re-read). */
export const STATS_FLUSH_MS = 2000;

/** `Date` → its UTC hour, `YYYY-MM-DDTHH`. */
export const utcHourOf = (epochMs: number): string => new Date(epochMs).toISOString().slice(0, 13);

const startOfUtcDay = (epochMs: number) => new Date(Math.floor(epochMs / 86_400_000) * 86_400_000);

/**
 * Hourly routing statistics, off the request path: a decision only bumps an in-memory counter; every
 * {@link STATS_FLUSH_MS} the counts are added to `routing_hourly_stats` in one statement, the cached
 * `routing:stats:{hour}` of the hours written is evicted, and today's calls per buyer (all instances) are
 * re-read for the daily caps. So caps hold across instances within one flush interval.
 */
@Injectable()
export class RoutingStatsAggregator implements OnApplicationShutdown {
  private readonly logger = new Logger(RoutingStatsAggregator.name);
  private pending = new Map<string, RoutedCalls>();
  /** Calls routed per buyer and not yet reflected in `today`. */
  private pendingPerBuyer = new Map<string, number>();
  private flushingPerBuyer = new Map<string, number>();
  private today = new Map<string, number>();
  private flushing?: Promise<void>;

  constructor(
    private readonly stats: RoutingStatsRepository,
    private readonly reader: RoutingCacheReader,
  ) {}

  /** Counts one decision: the call from `state` went to `buyerId` (`''`: nobody was eligible). */
  record(state: string, buyerId: string, atMs: number): void {
    const hour = utcHourOf(atMs);
    const key = `${hour}|${state}|${buyerId}`;
    const row = this.pending.get(key);
    if (row) row.calls++;
    else this.pending.set(key, { hour: new Date(`${hour}:00:00Z`), state, buyerId, calls: 1 });
    if (buyerId !== '') this.pendingPerBuyer.set(buyerId, (this.pendingPerBuyer.get(buyerId) ?? 0) + 1);
  }

  /** Calls routed to the buyer today (UTC), as far as this instance knows. */
  routedToday(buyerId: string): number {
    return (
      (this.today.get(buyerId) ?? 0) +
      (this.pendingPerBuyer.get(buyerId) ?? 0) +
      (this.flushingPerBuyer.get(buyerId) ?? 0)
    );
  }

  /** Writes what was counted; one flush at a time. A failed write keeps the counts for the next one. */
  @Interval(STATS_FLUSH_MS)
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush();
  }

  private async write(): Promise<void> {
    const rows = [...this.pending.values()];
    this.pending = new Map();
    this.flushingPerBuyer = this.pendingPerBuyer;
    this.pendingPerBuyer = new Map();
    try {
      await this.stats.add(rows);
      const hours = new Set(rows.map((row) => row.hour.toISOString().slice(0, 13)));
      await Promise.all([...hours].map((hour) => this.reader.forgetHourStats(hour).catch(() => undefined)));
      this.today = await this.stats.callsPerBuyerSince(startOfUtcDay(Date.now()));
      this.flushingPerBuyer = new Map();
    } catch (error) {
      // Keep the counts: merged back, they go with the next flush.
      for (const row of rows) {
        const key = `${row.hour.toISOString().slice(0, 13)}|${row.state}|${row.buyerId}`;
        const current = this.pending.get(key);
        if (current) current.calls += row.calls;
        else this.pending.set(key, row);
      }
      for (const [buyerId, calls] of this.flushingPerBuyer) {
        this.pendingPerBuyer.set(buyerId, (this.pendingPerBuyer.get(buyerId) ?? 0) + calls);
      }
      this.flushingPerBuyer = new Map();
      this.logger.warn({ err: String(error) }, 'Routing statistics not written; retrying on the next flush');
    }
  }
}
