import { Module } from '@nestjs/common';
import { BidDataAccessModule } from '@platform/bid-data-access';
import { BidController } from './bid.controller';
import { BidGrpcController } from './bid.grpc.controller';
import { BidService } from './bid.service';
import { BuyerActiveBidsService } from './buyer-active-bids.service';
import { BuyerBidsController } from './buyer-bids.controller';
import { routingProfileClientProviders } from '@platform/service-kit';
import { BID_CACHE_TTL, BidCacheKeys } from './cache/bid-cache.keys';
import { bidInvalidationMap } from './listeners/bid-invalidation.map';
import { provideInvalidationMap } from '@platform/service-kit';

/** The bid service's behaviour: REST, gRPC and Kafka entry points over {@link BidService}. */
@Module({
  imports: [BidDataAccessModule],
  controllers: [BidController, BuyerBidsController, BidGrpcController],
  providers: [
    provideInvalidationMap(bidInvalidationMap),
    BidService,
    BuyerActiveBidsService,
    ...routingProfileClientProviders({ key: BidCacheKeys.buyerRouting, ttl: BID_CACHE_TTL.routing }),
  ],
  exports: [BidService],
})
export class BidFeatureModule {}
