import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { CacheModule } from '@platform/cache/nest';
import { RoutingDataAccessModule } from '@platform/routing-data-access';
import { provideInvalidationMap } from '@platform/service-kit';
import { RouteDecisionController, RoutingController } from './routing.controller';
import { RoutingGrpcController } from './routing.grpc.controller';
import { RoutingService } from './routing.service';
import { ROUTING_CACHE_NAMESPACE } from './cache/routing-cache.keys';
import { RoutingCacheReader } from './cache/routing-cache.reader';
import { RouteDecisionService } from './decision/route-decision.service';
import { RoutingCacheRefillListener } from './listeners/routing-cache-refill.listener';
import { routingInvalidationMap } from './listeners/routing-invalidation.map';
import { RoutingStatsAggregator } from './stats/routing-stats.aggregator';
import { RoutingStatsService } from './stats/routing-stats.service';
import { HotKeyTracker } from './warming/hot-key.tracker';
import { RoutingWarmer } from './warming/routing-warmer.service';

/**
 * The routing service's behaviour: REST, gRPC and Kafka entry points over buyer criteria, route decisions
 * and hourly statistics; cached reads, background statistics and predictive warming.
 */
@Module({
  imports: [
    RoutingDataAccessModule,
    CacheModule.forFeature(ROUTING_CACHE_NAMESPACE),
    ScheduleModule.forRoot(),
  ],
  controllers: [RoutingController, RouteDecisionController, RoutingGrpcController],
  providers: [
    provideInvalidationMap(routingInvalidationMap),
    RoutingService,
    RoutingCacheReader,
    RoutingCacheRefillListener,
    RouteDecisionService,
    RoutingStatsAggregator,
    RoutingStatsService,
    HotKeyTracker,
    RoutingWarmer,
  ],
  exports: [RoutingService, RouteDecisionService, RoutingWarmer],
})
export class RoutingFeatureModule {}
