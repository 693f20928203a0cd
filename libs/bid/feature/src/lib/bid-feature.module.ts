import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { CacheModule } from '@platform/cache/nest';
import { BidDataAccessModule } from '@platform/bid-data-access';
import { ComplianceClientModule } from '@platform/compliance-client';
import { ROUTING_PROFILE_CACHE, RoutingClientModule } from '@platform/routing-client';
import { BidController } from './bid.controller';
import { BidExpiryJob } from './bid-expiry.job';
import { BidWarmerJob } from './bid-warmer.job';
import { CallBidsController } from './call-bids.controller';
import { BidDecisionController } from './decisions/bid-decision.controller';
import { BidDecisionService } from './decisions/bid-decision.service';
import { BidGrpcController } from './bid.grpc.controller';
import { BidService } from './bid.service';
import { BuyerActiveBidsService } from './buyer-active-bids.service';
import { BuyerBidsController } from './buyer-bids.controller';
import { BidStatsController } from './stats/bid-stats.controller';
import { BidStatsJob } from './stats/bid-stats.job';
import { BidStatsService } from './stats/bid-stats.service';
import { BID_CACHE_NAMESPACES } from './cache/bid-cache.keys';
import { BidReadTracker } from './cache/bid-read.tracker';
import { BidCacheRefillListener } from './listeners/bid-cache-refill.listener';
import { bidInvalidationMap } from './listeners/bid-invalidation.map';
import { provideInvalidationMap } from '@platform/service-kit';

/** The bid service's behaviour: REST, gRPC and Kafka entry points over {@link BidService}. */
@Module({
  imports: [
    ScheduleModule.forRoot(),
    BidDataAccessModule,
    RoutingClientModule,
    ComplianceClientModule,
    // The routing client's namespace too: the decision path peeks its copies in L1.
    CacheModule.forFeature([...Object.values(BID_CACHE_NAMESPACES), ROUTING_PROFILE_CACHE]),
  ],
  controllers: [
    BidController,
    BidDecisionController,
    CallBidsController,
    BuyerBidsController,
    BidStatsController,
    BidGrpcController,
  ],
  providers: [
    provideInvalidationMap(bidInvalidationMap),
    BidReadTracker,
    BidService,
    BuyerActiveBidsService,
    BidCacheRefillListener,
    BidWarmerJob,
    BidExpiryJob,
    BidDecisionService,
    BidStatsService,
    BidStatsJob,
  ],
  exports: [BidService],
})
export class BidFeatureModule {}
