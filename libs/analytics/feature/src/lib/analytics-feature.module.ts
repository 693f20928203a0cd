import { Module } from '@nestjs/common';
import { CacheModule } from '@platform/cache/nest';
import { AnalyticsDataAccessModule } from '@platform/analytics-data-access';
import { RoutingClientModule } from '@platform/routing-client';
import { AnalyticsController } from './analytics.controller';
import { AnalyticsGrpcController } from './analytics.grpc.controller';
import { AnalyticsService } from './analytics.service';
import { BuyerRevenueController } from './buyer-revenue.controller';
import { BuyerRevenueService } from './buyer-revenue.service';
import { ANALYTICS_CACHE_NAMESPACE } from './cache/analytics-cache.keys';
import { DashboardController } from './dashboard/dashboard.controller';
import { analyticsInvalidationMap } from './listeners/analytics-invalidation.map';
import { BidWonListener } from './listeners/bid-won.listener';
import { CallMetricsController } from './metrics/call-metrics.controller';
import { CallMetricsService } from './metrics/call-metrics.service';
import { CallViewRefresher } from './metrics/call-view-refresher';
import { provideInvalidationMap } from '@platform/service-kit';

/** The analytics service's behaviour: REST, gRPC and Kafka entry points over {@link AnalyticsService}. */
@Module({
  imports: [
    AnalyticsDataAccessModule,
    RoutingClientModule,
    CacheModule.forFeature(ANALYTICS_CACHE_NAMESPACE),
  ],
  controllers: [
    AnalyticsController,
    BuyerRevenueController,
    CallMetricsController,
    DashboardController,
    AnalyticsGrpcController,
  ],
  providers: [
    provideInvalidationMap(analyticsInvalidationMap),
    AnalyticsService,
    BidWonListener,
    BuyerRevenueService,
    CallMetricsService,
    CallViewRefresher,
  ],
  exports: [AnalyticsService],
})
export class AnalyticsFeatureModule {}
