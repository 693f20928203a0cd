import { Controller, Get, Param, UseInterceptors } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { ApiEndpoint } from '@platform/service-kit';
import { HourlyCallMetricsSchema, PerformanceSeriesSchema } from '../analytics.openapi';
import { CacheRoute, HttpCacheInterceptor } from '@platform/cache/nest';
import { IsIn, Matches } from 'class-validator';
import { AnalyticsCacheKeys, callHourTtl } from '../cache/analytics-cache.keys';
import {
  CallMetricsService,
  PERFORMANCE_METRICS,
  type HourlyCallMetrics,
  type PerformanceMetric,
  type PerformanceSeries,
} from './call-metrics.service';

/** Path of `GET /analytics/calls/:date/:hour`. */
export class CallHourParams {
  @ApiProperty({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', example: '2026-12-05', description: 'UTC date' })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a UTC date (YYYY-MM-DD)' })
  date: string;

  @Matches(/^([01]\d|2[0-3])$/, { message: 'must be an hour 00–23' })
  @ApiProperty({ pattern: '^([01]\\d|2[0-3])$', example: '14', description: 'UTC hour 00–23' })
  hour: string;
}

/** Path of `GET /analytics/performance/:metric`. */
export class PerformanceParams {
  @ApiProperty({ enum: Object.keys(PERFORMANCE_METRICS) })
  @IsIn(Object.keys(PERFORMANCE_METRICS), {
    message: `must be one of ${Object.keys(PERFORMANCE_METRICS).join(', ')}`,
  })
  metric: PerformanceMetric;
}

/**
 * Dashboard reads, the same for every caller: cached once, as the HTTP response, in L1, L2 and at the L3 edge
 * (the `analytics` namespace's TTLs: 5 min, 1 h, 24 h; the open hour 60 s), each response tagged with its own key as surrogate key.
 * A recorded call drops its hour (the open hour moves with every call); a view refresh drops the closed hours
 * and KPIs it changed (`CallViewRefresher`).
 */
@Controller('analytics')
@UseInterceptors(HttpCacheInterceptor)
export class CallMetricsController {
  constructor(private readonly metrics: CallMetricsService) {}

  /**
   * Calls, connected calls, revenue and talk time of one UTC hour: `analytics:calls:{date}:{hour}`. A closed
   * hour keeps the namespace's TTLs (edge 24 h); the open hour lives 60 s in every layer ({@link callHourTtl}).
   */
  @Get('calls/:date/:hour')
  @ApiEndpoint({
    summary: 'Calls, connected calls, revenue and talk time of one UTC hour',
    description: 'Cached over HTTP for every caller; the open hour for 60 s, a closed hour 24 h at the edge.',
    scope: 'analytics:read',
    response: HourlyCallMetricsSchema,
  })
  @CacheRoute({
    public: true,
    key: AnalyticsCacheKeys.calls('{date}', '{hour}'),
    tags: [AnalyticsCacheKeys.calls('{date}', '{hour}')],
    ttlFor: ({ params }) => callHourTtl(params?.['date'] ?? '', params?.['hour'] ?? ''),
  })
  hour(@Param() { date, hour }: CallHourParams): Promise<HourlyCallMetrics> {
    return this.metrics.hour(date, hour);
  }

  /** A KPI's daily series over the last 30 days: `analytics:performance:{metric}`. */
  @Get('performance/:metric')
  @ApiEndpoint({
    summary: 'A KPI’s daily series over the last 30 days',
    description: 'Cached over HTTP for every caller.',
    scope: 'analytics:read',
    response: PerformanceSeriesSchema,
  })
  @CacheRoute({
    public: true,
    key: AnalyticsCacheKeys.performance('{metric}'),
    tags: [AnalyticsCacheKeys.performance('{metric}')],
  })
  performance(@Param() { metric }: PerformanceParams): Promise<PerformanceSeries> {
    return this.metrics.performance(metric);
  }
}
