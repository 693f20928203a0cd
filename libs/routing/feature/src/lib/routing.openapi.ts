import { ApiProperty } from '@nestjs/swagger';
import { US_STATE_CODES } from '@platform/contracts';
import { ApiEntityId } from '@platform/service-kit';

/** OpenAPI schema of {@link BuyerRoutingView}: a buyer's routing criteria. */
export class BuyerRoutingSchema {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiEntityId()
  buyerId!: string;

  @ApiProperty({ enum: [...US_STATE_CODES], isArray: true, example: ['CA', 'NY'] })
  states!: string[];

  @ApiProperty({ type: 'integer', minimum: 0, example: 500 })
  minBidCents!: number;

  @ApiProperty({ type: 'integer', minimum: 0, example: 20 })
  maxConcurrentCalls!: number;

  @ApiProperty({ type: 'integer', minimum: -1000, maximum: 1000, description: 'Higher wins' })
  priority!: number;

  @ApiProperty()
  active!: boolean;

  @ApiProperty({ example: 'America/New_York', description: 'IANA time zone of the calling hours' })
  timeZone!: string;

  @ApiProperty({ example: '09:00', description: '`HH:MM` in `timeZone`' })
  hoursStart!: string;

  @ApiProperty({ example: '21:00', description: '`HH:MM` in `timeZone`, exclusive (`24:00`: to midnight)' })
  hoursEnd!: string;

  @ApiProperty({ type: 'integer', nullable: true, description: 'Most calls per UTC day; null: no cap' })
  dailyCap!: number | null;

  @ApiProperty({ type: 'integer', minimum: 1 })
  version!: number;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

/** One ranked buyer of a route decision. */
export class RankedBuyerSchema {
  @ApiEntityId()
  buyerId!: string;

  @ApiProperty({ type: 'integer' })
  priority!: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  minBidCents!: number;

  @ApiProperty({ type: 'integer', minimum: 1, description: '1 gets the call' })
  rank!: number;
}

/** Body of `POST /routing/decisions`. */
export class RouteDecisionSchema {
  @ApiProperty({ example: 'CA' })
  state!: string;

  @ApiProperty({ format: 'date-time', description: 'The instant the decision was made for' })
  at!: string;

  @ApiProperty({ type: [RankedBuyerSchema], description: 'Eligible buyers, best first' })
  buyers!: RankedBuyerSchema[];
}

/** A state's calls in an hour. */
export class StateCallsSchema {
  @ApiProperty({ example: 'CA' })
  state!: string;

  @ApiProperty({ type: 'integer', minimum: 0 })
  calls!: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Calls no buyer was eligible for' })
  unrouted!: number;
}

/** A buyer's calls in an hour. */
export class BuyerCallsSchema {
  @ApiEntityId()
  buyerId!: string;

  @ApiProperty({ type: 'integer', minimum: 0 })
  calls!: number;
}

/** Body of `GET /routing/stats/:hour`. */
export class RoutingHourStatsSchema {
  @ApiProperty({ example: '2026-12-05T14' })
  hour!: string;

  @ApiProperty({ type: 'integer', minimum: 0 })
  calls!: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  unrouted!: number;

  @ApiProperty({ type: [StateCallsSchema] })
  states!: StateCallsSchema[];

  @ApiProperty({ type: [BuyerCallsSchema] })
  buyers!: BuyerCallsSchema[];
}
