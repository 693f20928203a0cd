import { Transform } from 'class-transformer';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  IsTimeZone,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { US_STATE_CODES } from '@platform/contracts';
import {
  ApiEntityId,
  ApiPageLimit,
  ApiUsState,
  emptyAsMissing,
  IsEntityId,
  IsUsState,
  PageLimit,
} from '@platform/service-kit';

/** Most states one buyer may list (the 50 states and DC, with room for territories later). */
export const MAX_STATES = 60;
/** Largest accepted minimum bid: $100,000.00. */
export const MAX_MIN_BID_CENTS = 10_000_000;
/** Largest accepted concurrency cap. */
export const MAX_CONCURRENT_CALLS = 10_000;
/** Bounds of `priority` (higher wins). */
export const PRIORITY_RANGE = { min: -1000, max: 1000 } as const;
/** Largest accepted daily cap. */
export const MAX_DAILY_CAP = 10_000_000;
/** Start of calling hours, `HH:MM` from `00:00` to `23:59`. */
export const HOURS_START_PATTERN = /^([01]\d|2[0-3]):[0-5]\d$/;
/** End of calling hours (exclusive), `HH:MM` from `00:01` to `24:00`. */
export const HOURS_END_PATTERN = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/;
const booleanFromQuery = ({ value }: { value: unknown }) =>
  value === 'true' ? true : value === 'false' ? false : emptyAsMissing({ value });

/** Body of `PUT /routing/buyers/:buyerId`; a full replacement, so omitted optional fields take their defaults. */
export class UpsertBuyerCriteriaDto {
  @ApiProperty({
    enum: [...US_STATE_CODES],
    isArray: true,
    minItems: 1,
    maxItems: MAX_STATES,
    example: ['CA', 'NY'],
    description: 'States the buyer takes calls from',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_STATES)
  @IsUsState({ each: true })
  states: string[];

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    maximum: MAX_MIN_BID_CENTS,
    example: 500,
    description: 'Price floor',
  })
  @IsInt()
  @Min(0)
  @Max(MAX_MIN_BID_CENTS)
  minBidCents: number;

  @ApiProperty({ type: 'integer', minimum: 0, maximum: MAX_CONCURRENT_CALLS, example: 20 })
  @IsInt()
  @Min(0)
  @Max(MAX_CONCURRENT_CALLS)
  maxConcurrentCalls: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: PRIORITY_RANGE.min,
    maximum: PRIORITY_RANGE.max,
    default: 0,
    description: 'Higher wins',
  })
  @IsOptional()
  @IsInt()
  @Min(PRIORITY_RANGE.min)
  @Max(PRIORITY_RANGE.max)
  priority?: number;

  @ApiPropertyOptional({ default: true })
  @IsOptional()
  @IsBoolean()
  active?: boolean;

  /** IANA time zone of the calling hours; default `UTC`. */
  @ApiPropertyOptional({ example: 'America/New_York', default: 'UTC', description: 'IANA time zone' })
  @IsOptional()
  @IsTimeZone({ message: 'must be an IANA time zone such as America/New_York' })
  timeZone?: string;

  /** Start of the calling hours in `timeZone`, `HH:MM`; default `00:00`. */
  @ApiPropertyOptional({ pattern: HOURS_START_PATTERN.source, example: '09:00', default: '00:00' })
  @IsOptional()
  @Matches(HOURS_START_PATTERN, { message: 'must be HH:MM between 00:00 and 23:59' })
  hoursStart?: string;

  /** End of the calling hours (exclusive), `HH:MM`; default `24:00`. Before `hoursStart`: overnight. */
  @ApiPropertyOptional({
    pattern: HOURS_END_PATTERN.source,
    example: '21:00',
    default: '24:00',
    description: 'Exclusive; before `hoursStart`: overnight',
  })
  @IsOptional()
  @Matches(HOURS_END_PATTERN, { message: 'must be HH:MM between 00:01 and 24:00' })
  hoursEnd?: string;

  /** Most calls routed per UTC day; omitted or null: no cap. */
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: MAX_DAILY_CAP,
    nullable: true,
    description: 'Most calls routed per UTC day; omitted or null: no cap',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_DAILY_CAP)
  dailyCap?: number | null;
}

/** Query of `GET /routing/buyers`. */
export class ListBuyerCriteriaQuery {
  @ApiUsState({ required: false, description: 'Only buyers taking calls from this state' })
  @IsOptional()
  @Transform(emptyAsMissing)
  @IsUsState()
  state?: string;

  @ApiPropertyOptional({ type: 'boolean', description: 'Only active (`true`) or inactive (`false`) buyers' })
  @IsOptional()
  @Transform(booleanFromQuery)
  @IsBoolean()
  active?: boolean;

  @ApiPageLimit()
  @PageLimit()
  limit?: number;
}

/** A buyer id in a path or a gRPC request. */
export class BuyerIdDto {
  @ApiEntityId()
  @IsEntityId()
  buyerId: string;
}
