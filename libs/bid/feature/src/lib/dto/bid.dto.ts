import { applyDecorators } from '@nestjs/common';
import { BidChanged } from '@platform/contracts';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsUUID, Length, Matches, Max, Min } from 'class-validator';
import { emptyAsMissing, IsEntityId, IsOptionalNotNull, IsRfc3339, PageLimit } from '@platform/service-kit';

/** Largest accepted bid: $100,000.00. */
export const MAX_BID_CENTS = 10_000_000;

/**
 * A bid amount in cents: an integer from 0 to {@link MAX_BID_CENTS}. The rules are applied in the order
 * the stacked `@IsInt() @Min(0) @Max(MAX_BID_CENTS)` applied them (bottom-up), so a bad amount's
 * messages keep their order in a 400.
 */
export const IsBidAmount = (): PropertyDecorator => applyDecorators(Max(MAX_BID_CENTS), Min(0), IsInt());

/** Body of `POST /bids` and of gRPC `CreateBid`. */
export class CreateBidDto {
  @IsEntityId()
  callId: string;

  @IsEntityId()
  buyerId: string;

  @IsBidAmount()
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
  @IsBidAmount()
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
