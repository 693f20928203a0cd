import { Module } from '@nestjs/common';
import { CacheModule } from '@platform/cache/nest';
import { BidDataAccessModule } from '@platform/bid-data-access';
import { RoutingClientModule } from '@platform/routing-client';
import { BidController } from './bid.controller';
import { BidGrpcController } from './bid.grpc.controller';
import { BidService } from './bid.service';
import { BuyerActiveBidsService } from './buyer-active-bids.service';
import { BuyerBidsController } from './buyer-bids.controller';
import { BID_CACHE_NAMESPACES } from './cache/bid-cache.keys';
import { bidInvalidationMap } from './listeners/bid-invalidation.map';
import { provideInvalidationMap } from '@platform/service-kit';

/** The bid service's behaviour: REST, gRPC and Kafka entry points over {@link BidService}. */
@Module({
  imports: [
    BidDataAccessModule,
    RoutingClientModule,
    CacheModule.forFeature(Object.values(BID_CACHE_NAMESPACES)),
  ],
  controllers: [BidController, BuyerBidsController, BidGrpcController],
  providers: [provideInvalidationMap(bidInvalidationMap), BidService, BuyerActiveBidsService],
  exports: [BidService],
})
export class BidFeatureModule {}
