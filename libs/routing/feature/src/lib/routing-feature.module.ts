import { Module } from '@nestjs/common';
import { RoutingDataAccessModule } from '@platform/routing-data-access';
import { RoutingController } from './routing.controller';
import { RoutingGrpcController } from './routing.grpc.controller';
import { RoutingService } from './routing.service';
import { routingInvalidationMap } from './listeners/routing-invalidation.map';
import { provideInvalidationMap } from '@platform/service-kit';

/** The routing service's behaviour: REST, gRPC and Kafka entry points over {@link RoutingService}. */
@Module({
  imports: [RoutingDataAccessModule],
  controllers: [RoutingController, RoutingGrpcController],
  providers: [provideInvalidationMap(routingInvalidationMap), RoutingService],
  exports: [RoutingService],
})
export class RoutingFeatureModule {}
