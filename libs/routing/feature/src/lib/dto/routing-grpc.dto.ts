import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import {
  BUYER_ID_MESSAGE,
  BUYER_ID_PATTERN,
  UpsertBuyerCriteriaDto,
  US_STATE_CODES,
  US_STATE_MESSAGE,
} from './routing.dto';

const emptyAsMissing = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/**
 * gRPC `UpsertBuyerCriteria`: the REST body plus the buyer id. `priority` and `active` are proto3
 * `optional`, so an omitted one arrives undefined and gets the same default as over REST (0 / true).
 */
export class UpsertBuyerCriteriaGrpcDto extends UpsertBuyerCriteriaDto {
  @IsString()
  @Length(1, 64)
  @Matches(BUYER_ID_PATTERN, { message: BUYER_ID_MESSAGE })
  buyerId: string;
}

/** gRPC `ListBuyerCriteria`: filters as in REST; `state: ''` = no filter, `limit: 0` = default. */
export class ListBuyerCriteriaGrpcDto {
  @IsOptional()
  @Transform(emptyAsMissing)
  @IsIn(US_STATE_CODES, { message: US_STATE_MESSAGE })
  state?: string;

  @IsOptional()
  @IsBoolean()
  active?: boolean;

  @IsOptional()
  @Transform(({ value }) => (value === 0 ? undefined : value))
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}
