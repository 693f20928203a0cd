import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import {
  CreateOutboxEvents1765000000000,
  CreateProcessedEvents1764000000000,
  DatabaseSpec,
} from '@platform/database';
import { CallRecord } from './call-record.entity';
import { CallRecordRepository } from './call-record.repository';
import { CallMetricsRepository } from './call-metrics.repository';
import { CallRevenueRepository } from './call-revenue.repository';
import { CreateCallRecords1764000000301 } from './migrations/1764000000301-create-call-records.migration';
import { CreateCallMetricViews1766000000301 } from './migrations/1766000000301-create-call-metric-views.migration';
import { AllowCallsSoldThroughBids1766100000301 } from './migrations/1766100000301-allow-calls-sold-through-bids.migration';
import { DropBuyerRevenueDaily1766200000301 } from './migrations/1766200000301-drop-buyer-revenue-daily.migration';

/** The analytics service's schema: its entities and its migrations, in order. */
export const ANALYTICS_DATABASE: DatabaseSpec = {
  entities: [CallRecord],
  migrations: [
    CreateProcessedEvents1764000000000,
    CreateCallRecords1764000000301,
    CreateOutboxEvents1765000000000,
    CreateCallMetricViews1766000000301,
    AllowCallsSoldThroughBids1766100000301,
    DropBuyerRevenueDaily1766200000301,
  ],
};

/** Provides {@link CallRecordRepository}, {@link CallRevenueRepository} and {@link CallMetricsRepository}. */
@Module({
  imports: [TypeOrmModule.forFeature([CallRecord])],
  providers: [CallRecordRepository, CallRevenueRepository, CallMetricsRepository],
  exports: [CallRecordRepository, CallRevenueRepository, CallMetricsRepository],
})
export class AnalyticsDataAccessModule {}
