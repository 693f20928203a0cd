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
import { RequireScopes } from '@platform/service-kit';
import { RoutingService } from './routing.service';
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
  async list(@Query() query: ListBuyerCriteriaQuery): Promise<BuyerRoutingView[]> {
    return (await this.routing.list(query)).map(toBuyerRoutingView);
  }

  @Get(':buyerId')
  async get(@Param() { buyerId }: BuyerIdDto): Promise<BuyerRoutingView> {
    return this.routing.get(buyerId);
  }

  @Delete(':buyerId')
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
  @RequireScopes('routing:read') // ranking buyers reads criteria, it changes none
  @HttpCode(200)
  decide(@Body() body: DecideRouteDto): Promise<RouteDecision> {
    return this.decisions.decide(body);
  }

  /** Calls routed in one UTC hour (`YYYY-MM-DDTHH`), by state and buyer. */
  @Get('stats/:hour')
  hourStats(@Param() { hour }: StatsHourDto) {
    return this.stats.ofHour(hour);
  }
}
