import { Module } from '@nestjs/common';
import { BidDataAccessModule } from '@platform/bid-data-access';
import { BidController } from './bid.controller';
import { BidGrpcController } from './bid.grpc.controller';
import { BidService } from './bid.service';
import { BuyerChangedListener } from './listeners/buyer-changed.listener';

/** The bid service's behaviour: REST, gRPC and Kafka entry points over {@link BidService}. */
@Module({
  imports: [BidDataAccessModule],
  controllers: [BidController, BidGrpcController, BuyerChangedListener],
  providers: [BidService],
  exports: [BidService],
})
export class BidFeatureModule {}
