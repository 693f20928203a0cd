import { Injectable } from '@nestjs/common';
import { ValidationFailedError } from '@platform/service-kit';
import { hourStart, RoutingCacheReader, RoutingHourStatsView } from '../cache/routing-cache.reader';

/** Reads the hourly routing statistics (cached as `routing:stats:{hour}`). */
@Injectable()
export class RoutingStatsService {
  constructor(private readonly reader: RoutingCacheReader) {}

  /** The statistics of a UTC hour `YYYY-MM-DDTHH`; a calendar date that does not exist is a 400 naming `hour`. */
  ofHour(hour: string): Promise<RoutingHourStatsView> {
    const start = hourStart(hour);
    if (Number.isNaN(start.getTime()) || start.toISOString().slice(0, 13) !== hour) {
      throw new ValidationFailedError([{ field: 'hour', message: 'must be a real UTC hour YYYY-MM-DDTHH' }]);
    }
    return this.reader.hourStats(hour);
  }
}
