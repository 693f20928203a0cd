import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  CreateOutboxEvents1765000000000,
  CreateProcessedEvents1764000000000,
  DatabaseSpec,
} from '@platform/database';
import { BuyerRoutingCriteria } from './buyer-routing-criteria.entity';
import { BuyerRoutingRepository } from './buyer-routing.repository';
import { CreateBuyerRoutingCriteria1764000000101 } from './migrations/1764000000101-create-buyer-routing-criteria.migration';

/** The routing service's schema: its entities and its migrations, in order. */
export const ROUTING_DATABASE: DatabaseSpec = {
  entities: [BuyerRoutingCriteria],
  migrations: [
    CreateProcessedEvents1764000000000,
    CreateBuyerRoutingCriteria1764000000101,
    CreateOutboxEvents1765000000000,
  ],
};

/** Provides {@link BuyerRoutingRepository}. */
@Module({
  imports: [TypeOrmModule.forFeature([BuyerRoutingCriteria])],
  providers: [BuyerRoutingRepository],
  exports: [BuyerRoutingRepository],
})
export class RoutingDataAccessModule {}
