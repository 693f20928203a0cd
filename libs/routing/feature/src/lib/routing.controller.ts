import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import { CacheEntryRoute } from '@platform/cache/nest';
import { ApiEndpoint, RequireScopes } from '@platform/service-kit';
import { BuyerRoutingSchema, RouteDecisionSchema, RoutingHourStatsSchema } from './routing.openapi';
import { RoutingService } from './routing.service';
import { ROUTING_CACHE_NAMESPACE, RoutingNamespaceKeys } from './cache/routing-cache.keys';
import { HotKeyTracker } from './warming/hot-key.tracker';
import { BuyerRoutingView, toBuyerRoutingView } from './routing.mapper';
import type { RouteDecision } from './decision/route-decision.service';
import { RouteDecisionService } from './decision/route-decision.service';
import { DecideRouteDto, StatsHourDto } from './dto/route-decision.dto';
import { RoutingStatsService } from './stats/routing-stats.service';
import { BuyerIdDto, ListBuyerCriteriaQuery, UpsertBuyerCriteriaDto } from './dto/routing.dto';

/** The part of the HTTP response the controller touches (Express's `Response` satisfies it). */
type StatusSetter = { status(code: number): unknown };

/** REST API of buyer routing criteria. */
@Controller('routing/buyers')
export class RoutingController {
  constructor(private readonly routing: RoutingService) {}

  /** 201 when the buyer had no criteria yet, 200 when they were replaced. */
  @Put(':buyerId')
  @ApiEndpoint({
    summary: 'Create or replace a buyer’s routing criteria',
    description: '201 when the buyer had no criteria yet, 200 when they were replaced.',
    scope: 'routing:write',
    status: 201,
    alsoStatus: [200],
    body: true,
    response: BuyerRoutingSchema,
    errors: [409],
  })
  async upsert(
    @Param() { buyerId }: BuyerIdDto,
    @Body() body: UpsertBuyerCriteriaDto,
    @Res({ passthrough: true }) response: StatusSetter,
  ): Promise<BuyerRoutingView> {
    const { criteria, created } = await this.routing.upsert(buyerId, body);
    response.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return criteria;
  }

  @Get()
  @ApiEndpoint({
    summary: 'List buyers’ routing criteria',
    scope: 'routing:read',
    response: [BuyerRoutingSchema],
  })
  async list(@Query() query: ListBuyerCriteriaQuery): Promise<BuyerRoutingView[]> {
    return (await this.routing.list(query)).map(toBuyerRoutingView);
  }

  @Get(':buyerId')
  @ApiEndpoint({
    summary: 'A buyer’s routing criteria',
    scope: 'routing:read',
    response: BuyerRoutingSchema,
    errors: [404],
  })
  @CacheEntryRoute({
    namespace: ROUTING_CACHE_NAMESPACE.namespace,
    key: ({ buyerId }) => (buyerId === undefined ? undefined : RoutingNamespaceKeys.buyer(buyerId)),
    reads: HotKeyTracker,
  })
  async get(@Param() { buyerId }: BuyerIdDto): Promise<BuyerRoutingView> {
    return this.routing.get(buyerId);
  }

  @Delete(':buyerId')
  @ApiEndpoint({
    summary: 'Delete a buyer’s routing criteria',
    scope: 'routing:write',
    status: 204,
    errors: [404],
  })
  @HttpCode(204)
  async remove(@Param() { buyerId }: BuyerIdDto): Promise<void> {
    await this.routing.delete(buyerId);
  }
}

/** REST API of route decisions and routing statistics. */
@Controller('routing')
export class RouteDecisionController {
  constructor(
    private readonly decisions: RouteDecisionService,
    private readonly stats: RoutingStatsService,
  ) {}

  /** Ranks the buyers eligible for a call (200; the first one gets it). */
  @Post('decisions')
  @ApiEndpoint({
    summary: 'Rank the buyers eligible for a call',
    description: 'The first buyer gets the call. Counted in the hourly statistics.',
    scope: 'routing:read',
    body: true,
    response: RouteDecisionSchema,
  })
  @RequireScopes('routing:read') // ranking buyers reads criteria, it changes none
  @HttpCode(200)
  decide(@Body() body: DecideRouteDto): Promise<RouteDecision> {
    return this.decisions.decide(body);
  }

  /** Calls routed in one UTC hour (`YYYY-MM-DDTHH`), by state and buyer. */
  @Get('stats/:hour')
  @ApiEndpoint({
    summary: 'Calls routed in one UTC hour, by state and buyer',
    scope: 'routing:read',
    response: RoutingHourStatsSchema,
  })
  hourStats(@Param() { hour }: StatsHourDto) {
    return this.stats.ofHour(hour);
  }
}
