import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { bidV1 } from '@platform/proto';
import { Observable, concatMap } from 'rxjs';
import { BidService } from './bid.service';
import { BidDecisionService } from './decisions/bid-decision.service';
import { candidateFromMessage, toDecisionMessage } from './decisions/bid-decision.grpc';
import { BuyerActiveBidsService } from './buyer-active-bids.service';
import { BuyerIdParam } from './buyer-bids.controller';
import { CallIdParam } from './call-bids.controller';
import { statusFromProto, statusToProto, toBidMessage } from './bid.mapper';
import { BidIdDto, CreateBidDto } from './dto/bid.dto';
import { ListBidsGrpcDto, UpdateBidGrpcDto } from './dto/bid-grpc.dto';
import { BidStatsHourDto } from './stats/bid-stats.dto';
import { BidStatsService } from './stats/bid-stats.service';

/** gRPC API of bids (`bid.v1.BidService`); same validation and errors as REST. */
@Controller()
@bidV1.BidServiceControllerMethods()
export class BidGrpcController implements bidV1.BidServiceController {
  constructor(
    private readonly bids: BidService,
    private readonly activeBids: BuyerActiveBidsService,
    private readonly decisions: BidDecisionService,
    private readonly stats: BidStatsService,
  ) {}

  /** Bidi stream: one decision per candidate, in order; a malformed candidate ends it with INVALID_ARGUMENT. */
  decideBids(candidates: Observable<bidV1.BidCandidate>): Observable<bidV1.BidDecision> {
    return candidates.pipe(
      concatMap(async (message) =>
        toDecisionMessage(await this.decisions.decideOne(candidateFromMessage(message))),
      ),
    );
  }

  async createBid(@Payload() request: CreateBidDto): Promise<bidV1.CreateBidResponse> {
    return { bid: toBidMessage(await this.bids.create(request)) };
  }

  async getBid(@Payload() { id }: BidIdDto): Promise<bidV1.GetBidResponse> {
    return { bid: toBidMessage(await this.bids.get(id)) };
  }

  async listBids(@Payload() request: ListBidsGrpcDto): Promise<bidV1.ListBidsResponse> {
    const bids = await this.bids.list({
      callId: request.callId,
      buyerId: request.buyerId,
      status: request.status === undefined ? undefined : statusFromProto(request.status),
      limit: request.limit,
    });
    return { bids: bids.map(toBidMessage) };
  }

  async updateBid(@Payload() request: UpdateBidGrpcDto): Promise<bidV1.UpdateBidResponse> {
    const bid = await this.bids.update(request.id, {
      status: request.status === undefined ? undefined : statusFromProto(request.status),
      amountCents: request.amountCents,
    });
    return { bid: toBidMessage(bid) };
  }

  async listCallBids(@Payload() { callId }: CallIdParam): Promise<bidV1.ListCallBidsResponse> {
    return { bids: (await this.bids.listForCall(callId)).map(toBidMessage) };
  }

  async listBuyerActiveBids(
    @Payload() { buyerId }: BuyerIdParam,
  ): Promise<bidV1.ListBuyerActiveBidsResponse> {
    const view = await this.activeBids.get(buyerId);
    return {
      buyerId: view.buyerId,
      bids: view.bids.map(({ eligible, ...bid }) => ({ bid: toBidMessage(bid), eligible })),
    };
  }

  async getBidStats(@Payload() { hour }: BidStatsHourDto): Promise<bidV1.GetBidStatsResponse> {
    const view = await this.stats.ofHour(hour);
    return {
      ...view,
      buyers: view.buyers.map((row) => ({ ...row, status: statusToProto(row.status) })),
    };
  }

  async deleteBid(@Payload() { id }: BidIdDto): Promise<bidV1.DeleteBidResponse> {
    await this.bids.delete(id);
    return {};
  }
}
