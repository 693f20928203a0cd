import { Module } from '@nestjs/common';
import { CacheModule } from '@platform/cache/nest';
import { RoutingDataAccessModule } from '@platform/routing-data-access';
import { RoutingController } from './routing.controller';
import { RoutingGrpcController } from './routing.grpc.controller';
import { RoutingService } from './routing.service';
import { ROUTING_CACHE_NAMESPACE } from './cache/routing-cache.keys';
import { routingInvalidationMap } from './listeners/routing-invalidation.map';
import { provideInvalidationMap } from '@platform/service-kit';

/** The routing service's behaviour: REST, gRPC and Kafka entry points over {@link RoutingService}. */
@Module({
  imports: [RoutingDataAccessModule, CacheModule.forFeature(ROUTING_CACHE_NAMESPACE)],
  controllers: [RoutingController, RoutingGrpcController],
  providers: [provideInvalidationMap(routingInvalidationMap), RoutingService],
  exports: [RoutingService],
})
export class RoutingFeatureModule {}
