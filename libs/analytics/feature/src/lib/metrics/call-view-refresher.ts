import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { CallMetricsRepository } from '@platform/analytics-data-access';
import { CacheInvalidator } from '@platform/cache/nest';
import type { ServiceConfig } from '@platform/config';
import { SERVICE_CONFIG } from '@platform/service-kit';
import { AnalyticsCacheKeys } from '../cache/analytics-cache.keys';
import { PERFORMANCE_METRICS } from './call-metrics.service';

/** Default period of the view refresh (`ANALYTICS_VIEW_REFRESH_MS`). */
export const DEFAULT_VIEW_REFRESH_MS = 60_000;

/** The refresh period from `ANALYTICS_VIEW_REFRESH_MS` (ms ≥ 1000), or 0 to turn the schedule off. */
export function viewRefreshMs(env: ServiceConfig['vars']): number {
  const raw = env['ANALYTICS_VIEW_REFRESH_MS'];
  if (raw === undefined || raw === '') return DEFAULT_VIEW_REFRESH_MS;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || (ms !== 0 && ms < 1000)) {
    throw new Error(`ANALYTICS_VIEW_REFRESH_MS must be 0 (off) or an integer ≥ 1000, got "${raw}"`);
  }
  return ms;
}

/**
 * Refreshes the analytics materialized views on a schedule (one instance at a time, under an advisory lock)
 * and then invalidates, on every instance and at the edge, exactly what the refresh may have changed: the
 * hourly metrics of the hours whose calls arrived since the previous refresh, and the KPIs. Between refreshes
 * a closed hour and the KPIs lag the records by at most one period; the open hour and buyer revenue are
 * always exact. Buyer revenue is not touched here: it is read live from `call_records`, and each write
 * already evicts its buyer's revenue tag (the invalidation map, `BidWonListener`), so evicting it again
 * every period would only throw away its L1, L2 and edge copies and send an edge purge for nothing.
 */
@Injectable()
export class CallViewRefresher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CallViewRefresher.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private readonly period: number;

  constructor(
    private readonly views: CallMetricsRepository,
    private readonly invalidator: CacheInvalidator,
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
  ) {
    this.period = viewRefreshMs(config.vars); // a malformed value fails the boot
  }

  onApplicationBootstrap(): void {
    const period = this.period;
    if (period === 0) return;
    this.timer = setInterval(() => void this.tick(), period);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Refreshes now and invalidates what changed; returns how many hours changed. */
  async refresh(): Promise<{ refreshed: boolean; hours: number }> {
    const outcome = await this.views.refresh();
    if (outcome.refreshed && outcome.hours.length > 0) {
      await this.invalidator.invalidate({
        keys: [
          ...outcome.hours.map((hour) => AnalyticsCacheKeys.callsAt(hour)),
          ...Object.keys(PERFORMANCE_METRICS).map((metric) => AnalyticsCacheKeys.performance(metric)),
        ],
      });
    }
    return { refreshed: outcome.refreshed, hours: outcome.hours.length };
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    const run = this.refresh()
      .then((result) => this.logger.debug(result, 'analytics views refreshed'))
      .catch((error: unknown) =>
        this.logger.warn({ err: error }, 'analytics view refresh failed; retried next period'),
      )
      .finally(() => (this.running = undefined));
    this.running = run;
    await run;
  }
}
