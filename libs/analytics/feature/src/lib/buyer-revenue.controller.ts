import { Controller, Get, Param, Query, UseInterceptors } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { ApiEndpoint, ApiEntityId } from '@platform/service-kit';
import { BuyerRevenueSchema } from './analytics.openapi';
import { CacheRoute, HttpCacheInterceptor } from '@platform/cache/nest';
import { IsEntityId } from '@platform/service-kit';
import { Matches } from 'class-validator';
import { BuyerRevenueService, BuyerRevenueView, REVENUE_PERIOD_PATTERN } from './buyer-revenue.service';
import { AnalyticsCacheKeys } from './cache/analytics-cache.keys';

/** A buyer id in a path. */
export class RevenueBuyerParam {
  @ApiEntityId()
  @IsEntityId()
  buyerId: string;
}

/** Query of `GET /analytics/revenue/:buyerId`. */
export class RevenueQuery {
  @ApiProperty({
    pattern: REVENUE_PERIOD_PATTERN.source,
    example: '2026-12',
    description: 'A UTC month or day',
  })
  @Matches(REVENUE_PERIOD_PATTERN, { message: 'must be a month (YYYY-MM) or a day (YYYY-MM-DD)' })
  period: string;
}

/**
 * REST API of per-buyer revenue views. Responses are cached over HTTP by {@link HttpCacheInterceptor} (L1,
 * L2 and the L3 edge: Varnish or a CDN in front of dashboards).
 */
@Controller('analytics/revenue')
@UseInterceptors(HttpCacheInterceptor)
export class BuyerRevenueController {
  constructor(private readonly revenue: BuyerRevenueService) {}

  /**
   * The buyer's revenue over `period` (the view is cached as `analytics:revenue:{buyerID}:{period}`). The
   * response is the same for every caller (`public`), so the edge keeps it for 24 h (the `analytics` namespace's TTLs); it carries the view's
   * tag `analytics:revenue:{buyerID}` as a surrogate key, so the invalidation that drops the view (a recorded
   * call, a routing change of the buyer) also drops the stored response in L1/L2 and purges it at the edge.
   */
  @Get(':buyerId')
  @ApiEndpoint({
    summary: 'A buyer’s revenue over a month or a day',
    description: 'Cached over HTTP: the same for every caller (`public`), at the edge for 24 h.',
    scope: 'analytics:read',
    response: BuyerRevenueSchema,
  })
  @CacheRoute({
    public: true,
    key: AnalyticsCacheKeys.revenue('{buyerId}', '{period}'),
    tags: [AnalyticsCacheKeys.revenueTag('{buyerId}')],
  })
  get(@Param() { buyerId }: RevenueBuyerParam, @Query() { period }: RevenueQuery): Promise<BuyerRevenueView> {
    return this.revenue.get(buyerId, period);
  }
}
