import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { BidChanged } from '@platform/contracts';
import { ApiEntityId } from '@platform/service-kit';
import type { RejectReason } from './decisions/bid-decision';

/** OpenAPI schema of {@link BidView}: a bid as the REST API returns it. */
export class BidSchema {
  @ApiProperty({ format: 'uuid', example: '6f1c1f6e-0d7a-4c3e-9a51-7a0e6f0b9d11' })
  id!: string;

  @ApiEntityId({ example: 'call-1001' })
  callId!: string;

  @ApiEntityId()
  buyerId!: string;

  @ApiProperty({ type: 'integer', minimum: 0, maximum: 10_000_000, example: 1250 })
  amountCents!: number;

  @ApiProperty({ pattern: '^[A-Z]{3}$', example: 'USD', description: 'ISO 4217' })
  currency!: string;

  @ApiProperty({ enum: BidChanged.BidStatus.options, example: 'pending' })
  status!: string;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, example: null })
  expiresAt!: string | null;

  @ApiProperty({ type: 'integer', minimum: 1, description: 'Optimistic-lock version; +1 per change' })
  version!: number;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

/** An open bid and whether the buyer's routing criteria let it compete. */
export class ActiveBidSchema extends BidSchema {
  @ApiProperty({ description: 'The buyer is active in routing and the amount reaches its minimum bid' })
  eligible!: boolean;
}

/** The buyer's routing criteria as the bid service sees them. */
export class BuyerRoutingSummarySchema {
  @ApiProperty()
  active!: boolean;

  @ApiProperty({ type: 'integer', minimum: 0 })
  minBidCents!: number;

  @ApiProperty({ type: [String], example: ['CA', 'NY'] })
  states!: string[];

  @ApiProperty({ type: 'integer' })
  priority!: number;

  @ApiProperty({ type: 'integer' })
  version!: number;
}

/** Body of `GET /bids/buyers/:buyerId/active`. */
export class BuyerActiveBidsSchema {
  @ApiEntityId()
  buyerId!: string;

  @ApiPropertyOptional({
    type: BuyerRoutingSummarySchema,
    nullable: true,
    description: 'null when the buyer has no routing criteria',
  })
  routing!: BuyerRoutingSummarySchema | null;

  @ApiProperty({ type: [ActiveBidSchema] })
  bids!: ActiveBidSchema[];
}

/** A buyer's bids of the hour in one status. */
export class BuyerStatusStatsSchema {
  @ApiEntityId()
  buyerId!: string;

  @ApiProperty({ enum: BidChanged.BidStatus.options })
  status!: string;

  @ApiProperty({ type: 'integer', minimum: 0 })
  bids!: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  amountCents!: number;
}

/** Body of `GET /bids/stats/:hour`. */
export class BidHourStatsSchema {
  @ApiProperty({ example: '2026-12-05T14', description: 'UTC hour, YYYY-MM-DDTHH' })
  hour!: string;

  @ApiProperty({ description: 'The hour has ended' })
  closed!: boolean;

  @ApiProperty({ type: 'integer', minimum: 0 })
  bids!: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  amountCents!: number;

  @ApiProperty({ type: [BuyerStatusStatsSchema], description: 'By buyer, then status' })
  buyers!: BuyerStatusStatsSchema[];
}

/** Every {@link RejectReason}; `satisfies` makes a new reason a compile error here until it is listed. */
const REJECT_REASONS = Object.keys({
  BUYER_NO_CRITERIA: true,
  BUYER_INACTIVE: true,
  STATE_NOT_SERVED: true,
  BELOW_MIN_BID: true,
  OUTSIDE_CALLING_HOURS: true,
  DNC_LISTED: true,
  ROUTING_UNAVAILABLE: true,
  COMPLIANCE_UNAVAILABLE: true,
} satisfies Record<RejectReason, true>);

/** The answer for one bid. */
export class BidDecisionSchema {
  @ApiEntityId()
  callId!: string;

  @ApiEntityId()
  buyerId!: string;

  @ApiProperty()
  accepted!: boolean;

  @ApiProperty({
    enum: REJECT_REASONS,
    isArray: true,
    description: 'Every reason that applies; empty if accepted',
  })
  reasons!: string[];
}

/** Body of `POST /bids/decisions`. */
export class BidDecisionsSchema {
  @ApiProperty({ type: [BidDecisionSchema], description: 'One per bid, in request order' })
  decisions!: BidDecisionSchema[];
}
