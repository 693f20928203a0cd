import { Transform } from 'class-transformer';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import {
  ApiPageLimit,
  ApiRfc3339,
  ApiUsState,
  emptyAsMissing,
  IsRfc3339,
  IsUsState,
  PageLimit,
} from '@platform/service-kit';
import { MAX_MIN_BID_CENTS } from './routing.dto';

/** Body of `POST /routing/decisions` and gRPC `DecideRoute`: the attributes of an inbound call. */
export class DecideRouteDto {
  /** The caller's US state. */
  @ApiUsState({ description: 'The caller’s state' })
  @IsUsState()
  state: string;

  /** When the call arrives (RFC 3339 with an offset); default now. `''` (gRPC unset) means now. */
  @ApiRfc3339({ required: false, description: 'When the call arrives; now when omitted' })
  @IsOptional()
  @Transform(emptyAsMissing)
  @IsRfc3339()
  at?: string;

  /** The call's bid; buyers with a higher price floor are not eligible. Omitted: no floor check. */
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: MAX_MIN_BID_CENTS,
    description: 'The call’s bid; buyers with a higher floor are not eligible',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_MIN_BID_CENTS)
  bidCents?: number;

  /** Most buyers to return (1..500); default 10. */
  @ApiPageLimit({ description: 'Most buyers to return, 1–500; default 10' })
  @PageLimit()
  limit?: number;
}

/** A UTC hour, `YYYY-MM-DDTHH`, as in `routing:stats:{hour}`. */
export const STATS_HOUR_PATTERN = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3])$/;

/** Path of `GET /routing/stats/:hour` and gRPC `GetRoutingStats`. */
export class StatsHourDto {
  @ApiProperty({ pattern: STATS_HOUR_PATTERN.source, example: '2026-12-05T14', description: 'UTC hour' })
  @Matches(STATS_HOUR_PATTERN, { message: 'must be a UTC hour YYYY-MM-DDTHH, e.g. 2026-12-05T14' })
  hour: string;
}
