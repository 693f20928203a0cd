import { BidChanged } from '@platform/contracts';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsUUID, Length, Matches, Max, Min } from 'class-validator';
import { emptyAsMissing, IsEntityId, IsOptionalNotNull, IsRfc3339, PageLimit } from '@platform/service-kit';

/** Largest accepted bid: $100,000.00. */
export const MAX_BID_CENTS = 10_000_000;

/** Body of `POST /bids` and of gRPC `CreateBid`. */
export class CreateBidDto {
  @IsEntityId()
  callId: string;

  @IsEntityId()
  buyerId: string;

  @IsInt()
  @Min(0)
  @Max(MAX_BID_CENTS)
  amountCents: number;

  @IsOptional()
  @Transform(emptyAsMissing)
  @Matches(/^[A-Z]{3}$/, { message: 'must be an ISO 4217 code such as USD' })
  currency?: string;

  @IsOptional()
  @Transform(emptyAsMissing)
  @IsRfc3339()
  expiresAt?: string;
}

/** Body of `PATCH /bids/:id`. */
export class UpdateBidDto {
  @IsOptionalNotNull()
  @IsIn(BidChanged.BidStatus.options)
  status?: BidChanged.BidStatus;

  @IsOptionalNotNull()
  @IsInt()
  @Min(0)
  @Max(MAX_BID_CENTS)
  amountCents?: number;
}

/** Query of `GET /bids`. */
export class ListBidsQuery {
  @IsOptional()
  @Transform(emptyAsMissing)
  @Length(1, 64)
  callId?: string;

  @IsOptional()
  @Transform(emptyAsMissing)
  @Length(1, 64)
  buyerId?: string;

  @IsOptional()
  @Transform(emptyAsMissing)
  @IsIn(BidChanged.BidStatus.options)
  status?: BidChanged.BidStatus;

  @PageLimit()
  limit?: number;
}

/** A bid id in a path or a gRPC request. */
export class BidIdDto {
  @IsUUID('all')
  id: string;
}
