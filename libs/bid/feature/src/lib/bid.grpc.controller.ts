import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { bidV1 } from '@platform/proto';
import { BidService } from './bid.service';
import { statusFromProto, toBidMessage } from './bid.mapper';
import { BidIdDto, CreateBidDto } from './dto/bid.dto';
import { ListBidsGrpcDto, UpdateBidGrpcDto } from './dto/bid-grpc.dto';

/** gRPC API of bids (`bid.v1.BidService`); same validation and errors as REST. */
@Controller()
@bidV1.BidServiceControllerMethods()
export class BidGrpcController implements bidV1.BidServiceController {
  constructor(private readonly bids: BidService) {}

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

  async deleteBid(@Payload() { id }: BidIdDto): Promise<bidV1.DeleteBidResponse> {
    await this.bids.delete(id);
    return {};
  }
}
