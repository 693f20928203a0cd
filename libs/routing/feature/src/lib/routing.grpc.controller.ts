import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { routingV1 } from '@platform/proto';
import { RoutingService } from './routing.service';
import { toBuyerRoutingMessage, toBuyerRoutingView } from './routing.mapper';
import { RouteDecisionService } from './decision/route-decision.service';
import { DecideRouteDto, StatsHourDto } from './dto/route-decision.dto';
import { RoutingStatsService } from './stats/routing-stats.service';
import { BuyerIdDto } from './dto/routing.dto';
import { ListBuyerCriteriaGrpcDto, UpsertBuyerCriteriaGrpcDto } from './dto/routing-grpc.dto';

/** gRPC API of buyer routing criteria (`routing.v1.RoutingService`); same validation and errors as REST. */
@Controller()
@routingV1.RoutingServiceControllerMethods()
export class RoutingGrpcController implements routingV1.RoutingServiceController {
  constructor(
    private readonly routing: RoutingService,
    private readonly decisions: RouteDecisionService,
    private readonly stats: RoutingStatsService,
  ) {}

  async upsertBuyerCriteria(
    @Payload() { buyerId, ...input }: UpsertBuyerCriteriaGrpcDto,
  ): Promise<routingV1.UpsertBuyerCriteriaResponse> {
    const { criteria } = await this.routing.upsert(buyerId, input);
    return { criteria: toBuyerRoutingMessage(criteria) };
  }

  /**
   * From Postgres, not from routing's cache: the callers are peers that cache the answer themselves
   * (`RoutingProfileClient`), and a copy filled from our cache could outlive the change that evicted it
   * (see {@link RoutingService.getCommitted}).
   */
  async getBuyerCriteria(@Payload() { buyerId }: BuyerIdDto): Promise<routingV1.GetBuyerCriteriaResponse> {
    return { criteria: toBuyerRoutingMessage(await this.routing.getCommitted(buyerId)) };
  }

  async listBuyerCriteria(
    @Payload() request: ListBuyerCriteriaGrpcDto,
  ): Promise<routingV1.ListBuyerCriteriaResponse> {
    const criteria = await this.routing.list({
      state: request.state,
      active: request.active,
      limit: request.limit,
    });
    return { criteria: criteria.map((c) => toBuyerRoutingMessage(toBuyerRoutingView(c))) };
  }

  async deleteBuyerCriteria(
    @Payload() { buyerId }: BuyerIdDto,
  ): Promise<routingV1.DeleteBuyerCriteriaResponse> {
    await this.routing.delete(buyerId);
    return {};
  }

  decideRoute(@Payload() request: DecideRouteDto): Promise<routingV1.DecideRouteResponse> {
    return this.decisions.decide(request);
  }

  getRoutingStats(@Payload() { hour }: StatsHourDto): Promise<routingV1.GetRoutingStatsResponse> {
    return this.stats.ofHour(hour);
  }
}
