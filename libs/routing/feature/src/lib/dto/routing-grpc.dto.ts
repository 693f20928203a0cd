import { Transform } from 'class-transformer';
import { IsBoolean, IsOptional } from 'class-validator';
import { UpsertBuyerCriteriaDto } from './routing.dto';
import { emptyAsMissing, IsEntityId, IsUsState, PageLimit } from '@platform/service-kit';

/**
 * gRPC `UpsertBuyerCriteria`: the REST body plus the buyer id. `priority` and `active` are proto3
 * `optional`, so an omitted one arrives undefined and gets the same default as over REST (0 / true).
 */
export class UpsertBuyerCriteriaGrpcDto extends UpsertBuyerCriteriaDto {
  // Calling hours and the cap are proto3 `optional` too: omitted, they take the REST defaults.
  @IsEntityId()
  buyerId: string;
}

/** gRPC `ListBuyerCriteria`: filters as in REST; `state: ''` = no filter, `limit: 0` = default. */
export class ListBuyerCriteriaGrpcDto {
  @IsOptional()
  @Transform(emptyAsMissing)
  @IsUsState()
  state?: string;

  @IsOptional()
  @IsBoolean()
  active?: boolean;

  @PageLimit()
  limit?: number;
}
