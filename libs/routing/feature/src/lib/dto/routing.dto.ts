import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';

/** The 50 US states and DC, as uppercase USPS codes: the only values `states` accepts. */
export const US_STATE_CODES = [
  'AL', 'AK', 'AZ', 'AR', 'CA', 'CO', 'CT', 'DE', 'DC', 'FL', 'GA', 'HI', 'ID', 'IL', 'IN', 'IA', 'KS',
  'KY', 'LA', 'ME', 'MD', 'MA', 'MI', 'MN', 'MS', 'MO', 'MT', 'NE', 'NV', 'NH', 'NJ', 'NM', 'NY', 'NC',
  'ND', 'OH', 'OK', 'OR', 'PA', 'RI', 'SC', 'SD', 'TN', 'TX', 'UT', 'VT', 'VA', 'WA', 'WV', 'WI', 'WY',
] as const; // prettier-ignore
/** A US state code accepted by the routing service. */
export type UsStateCode = (typeof US_STATE_CODES)[number];

/** What a buyer id may contain (1..64 characters). */
export const BUYER_ID_PATTERN = /^[A-Za-z0-9._:-]+$/;
/** Validation message of {@link BUYER_ID_PATTERN}. */
export const BUYER_ID_MESSAGE = 'must contain only letters, digits and . _ : -';
/** Validation message of a state code outside {@link US_STATE_CODES}. */
export const US_STATE_MESSAGE = 'must be an uppercase US state code (50 states + DC), e.g. CA';
/** Most states one buyer may list (the 50 states and DC, with room for territories later). */
export const MAX_STATES = 60;
/** Largest accepted minimum bid: $100,000.00. */
export const MAX_MIN_BID_CENTS = 10_000_000;
/** Largest accepted concurrency cap. */
export const MAX_CONCURRENT_CALLS = 10_000;
/** Bounds of `priority` (higher wins). */
export const PRIORITY_RANGE = { min: -1000, max: 1000 } as const;
const emptyAsMissing = ({ value }: { value: unknown }) => (value === '' ? undefined : value);
const booleanFromQuery = ({ value }: { value: unknown }) =>
  value === 'true' ? true : value === 'false' ? false : emptyAsMissing({ value });

/** Body of `PUT /routing/buyers/:buyerId`; a full replacement, so omitted optional fields take their defaults. */
export class UpsertBuyerCriteriaDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_STATES)
  @IsIn(US_STATE_CODES, { each: true, message: `each value ${US_STATE_MESSAGE}` })
  states: string[];

  @IsInt()
  @Min(0)
  @Max(MAX_MIN_BID_CENTS)
  minBidCents: number;

  @IsInt()
  @Min(0)
  @Max(MAX_CONCURRENT_CALLS)
  maxConcurrentCalls: number;

  @IsOptional()
  @IsInt()
  @Min(PRIORITY_RANGE.min)
  @Max(PRIORITY_RANGE.max)
  priority?: number;

  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

/** Query of `GET /routing/buyers`. */
export class ListBuyerCriteriaQuery {
  @IsOptional()
  @Transform(emptyAsMissing)
  @IsIn(US_STATE_CODES, { message: US_STATE_MESSAGE })
  state?: string;

  @IsOptional()
  @Transform(booleanFromQuery)
  @IsBoolean()
  active?: boolean;

  @IsOptional()
  @Transform(({ value }) => (value === '' || value === 0 ? undefined : value))
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

/** A buyer id in a path or a gRPC request. */
export class BuyerIdDto {
  @IsString()
  @Length(1, 64)
  @Matches(BUYER_ID_PATTERN, { message: BUYER_ID_MESSAGE })
  buyerId: string;
}
