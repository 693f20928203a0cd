import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  CreateOutboxEvents1765000000000,
  CreateProcessedEvents1764000000000,
  DatabaseSpec,
} from '@platform/database';
import { Bid } from './bid.entity';
import { BidRepository } from './bid.repository';
import { CreateBids1764000000001 } from './migrations/1764000000001-create-bids.migration';
import { IndexActiveBidExpiry1766000000000 } from './migrations/1766000000000-index-active-bid-expiry.migration';

/** The bid service's schema: its entities and its migrations, in order. */
export const BID_DATABASE: DatabaseSpec = {
  entities: [Bid],
  migrations: [
    CreateProcessedEvents1764000000000,
    CreateBids1764000000001,
    CreateOutboxEvents1765000000000,
    IndexActiveBidExpiry1766000000000,
  ],
};

/** Provides {@link BidRepository}. */
@Module({
  imports: [TypeOrmModule.forFeature([Bid])],
  providers: [BidRepository],
  exports: [BidRepository],
})
export class BidDataAccessModule {}
