import { Controller, Get, Param } from '@nestjs/common';
import { BidStatsHourDto } from './bid-stats.dto';
import { BidHourStatsView, BidStatsService } from './bid-stats.service';

/** REST API of the hourly bid statistics. */
@Controller('bids/stats')
export class BidStatsController {
  constructor(private readonly stats: BidStatsService) {}

  /** Bids and amount per buyer and status of one UTC hour of creation (cached as `bids:stats:{hour}`). */
  @Get(':hour')
  ofHour(@Param() { hour }: BidStatsHourDto): Promise<BidHourStatsView> {
    return this.stats.ofHour(hour);
  }
}
