import { Controller, Get, Param } from '@nestjs/common';
import { ApiEndpoint } from '@platform/service-kit';
import { BidHourStatsSchema } from '../bid.openapi';
import { BidStatsHourDto } from './bid-stats.dto';
import { BidHourStatsView, BidStatsService } from './bid-stats.service';

/** REST API of the hourly bid statistics. */
@Controller('bids/stats')
export class BidStatsController {
  constructor(private readonly stats: BidStatsService) {}

  /** Bids and amount per buyer and status of one UTC hour of creation (cached as `bids:stats:{hour}`). */
  @Get(':hour')
  @ApiEndpoint({
    summary: 'Bids and amount per buyer and status of one UTC hour',
    scope: 'bid:read',
    response: BidHourStatsSchema,
  })
  ofHour(@Param() { hour }: BidStatsHourDto): Promise<BidHourStatsView> {
    return this.stats.ofHour(hour);
  }
}
