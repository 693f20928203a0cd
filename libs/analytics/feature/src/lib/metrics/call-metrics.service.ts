import { Injectable } from '@nestjs/common';
import { CallMetricsRepository, type DailyKpis, type HourMetrics } from '@platform/analytics-data-access';
import { ValidationFailedError } from '@platform/service-kit';

/** The KPIs served under `analytics:performance:{metric}`, each a daily series. */
export const PERFORMANCE_METRICS = {
  calls: (k: DailyKpis) => k.calls,
  'connect-rate': (k: DailyKpis) => k.connectRate,
  'avg-duration-seconds': (k: DailyKpis) => k.avgDurationSeconds,
  'revenue-per-call-cents': (k: DailyKpis) => k.revenuePerCallCents,
  'revenue-cents': (k: DailyKpis) => k.revenueCents,
} as const;

/** A KPI name. */
export type PerformanceMetric = keyof typeof PERFORMANCE_METRICS;

/** Days of history in a KPI series. */
export const PERFORMANCE_DAYS = 30;

/** A KPI over the last {@link PERFORMANCE_DAYS} days (UTC), oldest first; days without calls are omitted. */
export interface PerformanceSeries {
  metric: PerformanceMetric;
  points: { day: string; value: number }[];
}

/** One hour of call metrics, and whether the hour is still open (its figures still move). */
export interface HourlyCallMetrics extends HourMetrics {
  open: boolean;
}

const HOUR_MS = 3_600_000;

/**
 * The `analytics:calls:{date}:{hour}` and `analytics:performance:{metric}` read models. A closed hour comes from
 * the hourly materialized view, the open hour from the exact counters bumped with every recorded call; KPIs come
 * from the daily KPI view. Cached once, as HTTP responses (see `CallMetricsController`).
 */
@Injectable()
export class CallMetricsService {
  constructor(private readonly metrics: CallMetricsRepository) {}

  /** Metrics of the UTC hour `date` (`YYYY-MM-DD`) `hour` (`00`–`23`); a future hour is `VALIDATION.FAILED`. */
  async hour(date: string, hour: string, now = Date.now()): Promise<HourlyCallMetrics> {
    const start = new Date(`${date}T${hour}:00:00.000Z`);
    if (Number.isNaN(start.getTime()) || start.toISOString().slice(0, 10) !== date) {
      throw new ValidationFailedError([{ field: 'date', message: 'must be a real UTC date (YYYY-MM-DD)' }]);
    }
    if (start.getTime() > now) {
      throw new ValidationFailedError([{ field: 'hour', message: 'must not be in the future' }]);
    }
    const open = start.getTime() + HOUR_MS > now;
    const figures = open ? await this.metrics.openHour(start) : await this.metrics.closedHour(start);
    return { ...figures, open };
  }

  /** The KPI's daily series. */
  async performance(metric: PerformanceMetric): Promise<PerformanceSeries> {
    const pick = PERFORMANCE_METRICS[metric];
    const kpis = await this.metrics.kpis(PERFORMANCE_DAYS);
    return { metric, points: kpis.map((k) => ({ day: k.day, value: pick(k) })) };
  }
}
