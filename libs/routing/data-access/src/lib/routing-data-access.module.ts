import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  CreateOutboxEvents1765000000000,
  CreateProcessedEvents1764000000000,
  DatabaseSpec,
  QuietOutboxCommits1767000000000,
} from '@platform/database';
import { BuyerRoutingCriteria } from './buyer-routing-criteria.entity';
import { BuyerRoutingRepository } from './buyer-routing.repository';
import { CreateBuyerRoutingCriteria1764000000101 } from './migrations/1764000000101-create-buyer-routing-criteria.migration';
import { AddRoutingHoursCapsAndStats1766000000101 } from './migrations/1766000000101-add-routing-hours-caps-and-stats.migration';
import { RoutingHourlyStats } from './routing-hourly-stats.entity';
import { RoutingStatsRepository } from './routing-stats.repository';

/** The routing service's schema: its entities and its migrations, in order. */
export const ROUTING_DATABASE: DatabaseSpec = {
  entities: [BuyerRoutingCriteria, RoutingHourlyStats],
  migrations: [
    CreateProcessedEvents1764000000000,
    CreateBuyerRoutingCriteria1764000000101,
    CreateOutboxEvents1765000000000,
    AddRoutingHoursCapsAndStats1766000000101,
    QuietOutboxCommits1767000000000,
  ],
};

/** Provides {@link BuyerRoutingRepository} and {@link RoutingStatsRepository}. */
@Module({
  imports: [TypeOrmModule.forFeature([BuyerRoutingCriteria, RoutingHourlyStats])],
  providers: [BuyerRoutingRepository, RoutingStatsRepository],
  exports: [BuyerRoutingRepository, RoutingStatsRepository],
})
export class RoutingDataAccessModule {}
