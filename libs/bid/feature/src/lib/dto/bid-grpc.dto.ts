import { bidV1 } from '@platform/proto';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsUUID, Length } from 'class-validator';
import { IsBidAmount } from './bid.dto';
import { emptyAsMissing, PageLimit } from '@platform/service-kit';

const STATUS_VALUES = [1, 2, 3, 4, 5, 6];
const STATUS_MESSAGE = 'must be a BidStatus other than BID_STATUS_UNSPECIFIED';

/** gRPC `UpdateBid`: the status is the proto enum number. */
export class UpdateBidGrpcDto {
  @IsUUID('all')
  id: string;

  @IsOptional()
  @IsIn(STATUS_VALUES, { message: STATUS_MESSAGE })
  status?: bidV1.BidStatus;

  @IsOptional()
  @IsBidAmount()
  amountCents?: number;
}

/** gRPC `ListBids`: filters as in REST, the status as the proto enum number, `limit: 0` = default. */
export class ListBidsGrpcDto {
  @IsOptional()
  @Transform(emptyAsMissing)
  @Length(1, 64)
  callId?: string;

  @IsOptional()
  @Transform(emptyAsMissing)
  @Length(1, 64)
  buyerId?: string;

  @IsOptional()
  @Transform(({ value }) => (value === 0 ? undefined : value))
  @IsIn(STATUS_VALUES, { message: STATUS_MESSAGE })
  status?: bidV1.BidStatus;

  @PageLimit()
  limit?: number;
}
