import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  CreateOutboxEvents1765000000000,
  CreateProcessedEvents1764000000000,
  DatabaseSpec,
  QuietOutboxCommits1767000000000,
} from '@platform/database';
import { Bid } from './bid.entity';
import { BidHourlyStats } from './bid-hourly-stats.entity';
import { BidRepository } from './bid.repository';
import { BidStatsHour } from './bid-stats-hour.entity';
import { BidStatsRepository } from './bid-stats.repository';
import { CreateBids1764000000001 } from './migrations/1764000000001-create-bids.migration';
import { IndexActiveBidExpiry1766000000000 } from './migrations/1766000000000-index-active-bid-expiry.migration';
import { CreateBidStatsHourly1766000000001 } from './migrations/1766000000001-create-bid-stats-hourly.migration';
import { TrackChangedBidHours1767100000000 } from './migrations/1767100000000-track-changed-bid-hours.migration';
import { BidStatsChangedHour } from './bid-stats-changed-hour.entity';

/** The bid service's schema: its entities and its migrations, in order. */
export const BID_DATABASE: DatabaseSpec = {
  entities: [Bid, BidHourlyStats, BidStatsHour, BidStatsChangedHour],
  migrations: [
    CreateProcessedEvents1764000000000,
    CreateBids1764000000001,
    CreateOutboxEvents1765000000000,
    IndexActiveBidExpiry1766000000000,
    CreateBidStatsHourly1766000000001,
    QuietOutboxCommits1767000000000,
    TrackChangedBidHours1767100000000,
  ],
};

/** Provides {@link BidRepository} and {@link BidStatsRepository}. */
@Module({
  imports: [TypeOrmModule.forFeature([Bid, BidHourlyStats, BidStatsHour, BidStatsChangedHour])],
  providers: [BidRepository, BidStatsRepository],
  exports: [BidRepository, BidStatsRepository],
})
export class BidDataAccessModule {}
