import { applyDecorators } from '@nestjs/common';
import { BidChanged } from '@platform/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsUUID, Length, Matches, Max, Min } from 'class-validator';
import {
  ApiEntityId,
  ApiPageLimit,
  ApiRfc3339,
  emptyAsMissing,
  IsEntityId,
  IsOptionalNotNull,
  IsRfc3339,
  PageLimit,
} from '@platform/service-kit';

/** Largest accepted bid: $100,000.00. */
export const MAX_BID_CENTS = 10_000_000;

/**
 * A bid amount in cents: an integer from 0 to {@link MAX_BID_CENTS}. The rules are applied in the order
 * the stacked `@IsInt() @Min(0) @Max(MAX_BID_CENTS)` applied them (bottom-up), so a bad amount's
 * messages keep their order in a 400.
 */
export const IsBidAmount = (): PropertyDecorator => applyDecorators(Max(MAX_BID_CENTS), Min(0), IsInt());

/** Documents a bid amount ({@link IsBidAmount}). */
export const ApiBidAmount = (options: { required?: boolean } = {}): PropertyDecorator =>
  ApiProperty({
    type: 'integer',
    minimum: 0,
    maximum: MAX_BID_CENTS,
    example: 1250,
    description: 'Amount in cents, 0 to $100,000.00',
    required: options.required ?? true,
  });

/** Body of `POST /bids` and of gRPC `CreateBid`. */
export class CreateBidDto {
  @ApiEntityId({ description: 'The call the bid is for', example: 'call-1001' })
  @IsEntityId()
  callId: string;

  @ApiEntityId({ description: 'The bidding buyer' })
  @IsEntityId()
  buyerId: string;

  @ApiBidAmount()
  @IsBidAmount()
  amountCents: number;

  @ApiPropertyOptional({
    pattern: '^[A-Z]{3}$',
    example: 'USD',
    description: 'ISO 4217 code; USD when omitted',
  })
  @IsOptional()
  @Transform(emptyAsMissing)
  @Matches(/^[A-Z]{3}$/, { message: 'must be an ISO 4217 code such as USD' })
  currency?: string;

  @IsOptional()
  @Transform(emptyAsMissing)
  @IsRfc3339()
  @ApiRfc3339({ required: false, description: 'When the bid lapses; never when omitted' })
  expiresAt?: string;
}

/** Body of `PATCH /bids/:id`. */
export class UpdateBidDto {
  @ApiPropertyOptional({ enum: BidChanged.BidStatus.options, example: 'won' })
  @IsOptionalNotNull()
  @IsIn(BidChanged.BidStatus.options)
  status?: BidChanged.BidStatus;

  @ApiBidAmount({ required: false })
  @IsOptionalNotNull()
  @IsBidAmount()
  amountCents?: number;
}

/** Query of `GET /bids`. */
export class ListBidsQuery {
  @ApiPropertyOptional({ minLength: 1, maxLength: 64, description: 'Only this call’s bids' })
  @IsOptional()
  @Transform(emptyAsMissing)
  @Length(1, 64)
  callId?: string;

  @ApiPropertyOptional({ minLength: 1, maxLength: 64, description: 'Only this buyer’s bids' })
  @IsOptional()
  @Transform(emptyAsMissing)
  @Length(1, 64)
  buyerId?: string;

  @ApiPropertyOptional({ enum: BidChanged.BidStatus.options, description: 'Only bids in this status' })
  @IsOptional()
  @Transform(emptyAsMissing)
  @IsIn(BidChanged.BidStatus.options)
  status?: BidChanged.BidStatus;

  @ApiPageLimit()
  @PageLimit()
  limit?: number;
}

/** A bid id in a path or a gRPC request. */
export class BidIdDto {
  @ApiProperty({ format: 'uuid', example: '6f1c1f6e-0d7a-4c3e-9a51-7a0e6f0b9d11' })
  @IsUUID('all')
  id: string;
}
