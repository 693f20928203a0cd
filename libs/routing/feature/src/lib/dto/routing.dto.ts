import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsInt, IsOptional, Max, Min } from 'class-validator';
import { emptyAsMissing, IsEntityId, IsUsState, PageLimit } from '@platform/service-kit';

/** Most states one buyer may list (the 50 states and DC, with room for territories later). */
export const MAX_STATES = 60;
/** Largest accepted minimum bid: $100,000.00. */
export const MAX_MIN_BID_CENTS = 10_000_000;
/** Largest accepted concurrency cap. */
export const MAX_CONCURRENT_CALLS = 10_000;
/** Bounds of `priority` (higher wins). */
export const PRIORITY_RANGE = { min: -1000, max: 1000 } as const;
const booleanFromQuery = ({ value }: { value: unknown }) =>
  value === 'true' ? true : value === 'false' ? false : emptyAsMissing({ value });

/** Body of `PUT /routing/buyers/:buyerId`; a full replacement, so omitted optional fields take their defaults. */
export class UpsertBuyerCriteriaDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_STATES)
  @IsUsState({ each: true })
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
  @IsUsState()
  state?: string;

  @IsOptional()
  @Transform(booleanFromQuery)
  @IsBoolean()
  active?: boolean;

  @PageLimit()
  limit?: number;
}

/** A buyer id in a path or a gRPC request. */
export class BuyerIdDto {
  @IsEntityId()
  buyerId: string;
}
