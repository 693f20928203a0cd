import { Module } from '@nestjs/common';
import { AnalyticsDataAccessModule } from '@platform/analytics-data-access';
import { AnalyticsController } from './analytics.controller';
import { AnalyticsGrpcController } from './analytics.grpc.controller';
import { AnalyticsService } from './analytics.service';
import { BidChangedListener } from './listeners/bid-changed.listener';

/** The analytics service's behaviour: REST, gRPC and Kafka entry points over {@link AnalyticsService}. */
@Module({
  imports: [AnalyticsDataAccessModule],
  controllers: [AnalyticsController, AnalyticsGrpcController, BidChangedListener],
  providers: [AnalyticsService],
  exports: [AnalyticsService],
})
export class AnalyticsFeatureModule {}
