import { Injectable } from '@nestjs/common';
import { BidStatsRepository } from '@platform/bid-data-access';
import type { Cache } from '@platform/cache';
import { InjectCache } from '@platform/cache/nest';
import type { BidChanged } from '@platform/contracts';
import { ValidationFailedError } from '@platform/service-kit';
import { BID_CACHE_NAMESPACES, BID_STATS_TTL, BidsNamespaceKeys } from '../cache/bid-cache.keys';

/** A buyer's bids of the hour that are in one status. */
export interface BuyerStatusStats {
  buyerId: string;
  status: BidChanged.BidStatus;
  bids: number;
  amountCents: number;
}

/** The statistics of one UTC hour of bid creation (`bids:stats:{hour}`). */
export interface BidHourStatsView {
  /** `YYYY-MM-DDTHH`. */
  hour: string;
  /** The hour has ended. */
  closed: boolean;
  bids: number;
  amountCents: number;
  /** By buyer, then status. */
  buyers: BuyerStatusStats[];
}

const HOUR_MS = 3_600_000;

/** `2026-12-05T14` → its start, or null when it is not a real UTC hour (e.g. `2026-02-30T10`). */
export const parseUtcHour = (hour: string): Date | null => {
  const start = new Date(`${hour}:00:00Z`);
  return Number.isNaN(start.getTime()) || start.toISOString().slice(0, 13) !== hour ? null : start;
};

/** A Date → its UTC hour, `YYYY-MM-DDTHH`. */
export const formatUtcHour = (at: Date): string => at.toISOString().slice(0, 13);

/**
 * Reads the hourly bid statistics that {@link BidStatsJob} aggregates in the background: cache-aside under
 * `bids:stats:{hour}`, loaded from `bid_stats_hourly` only (never from `bids`), with the open hour's short
 * TTL or a closed hour's long one ({@link BID_STATS_TTL}).
 */
@Injectable()
export class BidStatsService {
  constructor(
    private readonly stats: BidStatsRepository,
    @InjectCache(BID_CACHE_NAMESPACES.bids.namespace) private readonly cache: Cache<BidHourStatsView>,
  ) {}

  /** The statistics of a UTC hour `YYYY-MM-DDTHH`; a date that does not exist is a 400 naming `hour`. */
  ofHour(hour: string, now = new Date()): Promise<BidHourStatsView> {
    const start = parseUtcHour(hour);
    if (!start) {
      throw new ValidationFailedError([{ field: 'hour', message: 'must be a real UTC hour YYYY-MM-DDTHH' }]);
    }
    const closed = start.getTime() + HOUR_MS <= now.getTime();
    return this.cache.getOrSet(BidsNamespaceKeys.stats(hour), () => this.load(hour, start, closed), {
      ttl: closed ? BID_STATS_TTL.closedHour : BID_STATS_TTL.openHour,
      // Not refreshed ahead like the namespace's bids: the job rewrites an hour and evicts it everywhere.
      softTtl: false,
    });
  }

  private async load(hour: string, start: Date, closed: boolean): Promise<BidHourStatsView> {
    const buyers = await this.stats.ofHour(start);
    return {
      hour,
      closed,
      bids: buyers.reduce((sum, row) => sum + row.bids, 0),
      amountCents: buyers.reduce((sum, row) => sum + row.amountCents, 0),
      buyers,
    };
  }
}
