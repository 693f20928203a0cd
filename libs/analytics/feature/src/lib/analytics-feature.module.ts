import { Module } from '@nestjs/common';
import { AnalyticsDataAccessModule } from '@platform/analytics-data-access';
import { AnalyticsController } from './analytics.controller';
import { AnalyticsGrpcController } from './analytics.grpc.controller';
import { AnalyticsService } from './analytics.service';
import { BuyerRevenueController } from './buyer-revenue.controller';
import { BuyerRevenueService } from './buyer-revenue.service';
import { routingProfileClientProviders } from '@platform/service-kit';
import { ANALYTICS_CACHE_TTL, AnalyticsCacheKeys } from './cache/analytics-cache.keys';
import { analyticsInvalidationMap } from './listeners/analytics-invalidation.map';
import { provideInvalidationMap } from '@platform/service-kit';

/** The analytics service's behaviour: REST, gRPC and Kafka entry points over {@link AnalyticsService}. */
@Module({
  imports: [AnalyticsDataAccessModule],
  controllers: [AnalyticsController, BuyerRevenueController, AnalyticsGrpcController],
  providers: [
    provideInvalidationMap(analyticsInvalidationMap),
    AnalyticsService,
    BuyerRevenueService,
    ...routingProfileClientProviders({
      key: AnalyticsCacheKeys.buyerRouting,
      ttl: ANALYTICS_CACHE_TTL.routing,
    }),
  ],
  exports: [AnalyticsService],
})
export class AnalyticsFeatureModule {}
