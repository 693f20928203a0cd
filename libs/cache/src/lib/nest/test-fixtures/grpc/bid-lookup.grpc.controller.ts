import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod, RpcException } from '@nestjs/microservices';
import { status } from '@grpc/grpc-js';
import { join } from 'node:path';
import { CacheEvict } from '../../decorators/cache-evict.decorator';
import { Cacheable } from '../../decorators/cacheable.decorator';
import { BID_STORE, type BidStore } from '../bids.fixture';

/** Path of the fixture proto. */
export const BID_LOOKUP_PROTO = join(__dirname, 'bid_lookup.proto');
/** Its package. */
export const BID_LOOKUP_PACKAGE = 'cachefixture.v1';

interface GetBidRequest {
  bidId: string;
}
interface UpdateBidRequest {
  bidId: string;
  amount: number;
}
interface GetBidResponse {
  bidId: string;
  amount: number;
  loads: number;
}

/**
 * Unary gRPC handlers cached with the same decorators as services. The two methods put the cache decorator
 * on either side of `@GrpcMethod`, since both orders must work.
 */
@Controller()
export class BidLookupGrpcController {
  constructor(@Inject(BID_STORE) private readonly store: BidStore) {}

  @GrpcMethod('BidLookupService', 'GetBid')
  @Cacheable({ key: 'bid:{request.bidId}', ttl: { l1: '30s', l2: '5m' } })
  async getBid(request: GetBidRequest): Promise<GetBidResponse> {
    const bidId = required(request.bidId);
    await this.store.hit('getBid');
    const bid = this.store.rows.get(bidId);
    if (bid === undefined)
      throw new RpcException({ code: status.NOT_FOUND, message: `bid ${bidId} not found` });
    return { bidId, amount: bid.amount, loads: this.store.count('getBid') };
  }

  @CacheEvict({ keys: ['bid:{request.bidId}'] })
  @GrpcMethod('BidLookupService', 'UpdateBid')
  async updateBid(request: UpdateBidRequest): Promise<GetBidResponse> {
    const bidId = required(request.bidId);
    const bid = this.store.rows.get(bidId);
    if (bid === undefined)
      throw new RpcException({ code: status.NOT_FOUND, message: `bid ${bidId} not found` });
    this.store.rows.set(bidId, { ...bid, amount: request.amount });
    return { bidId, amount: request.amount, loads: this.store.count('getBid') };
  }
}

function required(bidId: string): string {
  if (typeof bidId !== 'string' || bidId === '') {
    throw new RpcException({ code: status.INVALID_ARGUMENT, message: 'bid_id: must be a non-empty string' });
  }
  return bidId;
}
