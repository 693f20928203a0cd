import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';

/** A UTC hour, `YYYY-MM-DDTHH`, as in `bids:stats:{hour}`. */
export const BID_STATS_HOUR_PATTERN = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3])$/;

/** Path of `GET /bids/stats/:hour` and request of gRPC `GetBidStats`. */
export class BidStatsHourDto {
  @ApiProperty({ pattern: BID_STATS_HOUR_PATTERN.source, example: '2026-12-05T14', description: 'UTC hour' })
  @Matches(BID_STATS_HOUR_PATTERN, { message: 'must be a UTC hour YYYY-MM-DDTHH, e.g. 2026-12-05T14' })
  hour: string;
}
