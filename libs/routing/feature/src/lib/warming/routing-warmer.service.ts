import { Inject, Injectable, Logger, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import { CACHE_METRICS_REGISTRY } from '@platform/cache/nest';
import { RoutingStatsRepository } from '@platform/routing-data-access';
import { Counter, Histogram, Registry } from 'prom-client';
import { RoutingCacheReader } from '../cache/routing-cache.reader';
import { RoutingNamespaceKeys } from '../cache/routing-cache.keys';
import { HotKeyTracker } from './hot-key.tracker';
import { warmKeys, WarmKeysResult } from './warm-keys';

/** Every 20 s: a predicted key is refreshed at least twice within its 60 s L1 TTL. */
export const ROUTING_WARM_CRON = '*/20 * * * * *';
/** Keys refreshed per run, and loads in flight at once. */
export const ROUTING_WARMING = { topKeys: 100, concurrency: 8, startupLookbackMs: 2 * 3_600_000 } as const;

/**
 * Predictive warming: refreshes the keys the hot-key detector predicts (the most read buyers and state
 * routes of the last minute) before their TTL runs out, on a cron; at startup, the busiest states and buyers
 * of the last two hours from the statistics table. Bounded concurrency. Metrics `warming_duration_seconds`
 * and `warming_keys_total{outcome}` on the service's `/metrics`.
 */
@Injectable()
export class RoutingWarmer implements OnApplicationBootstrap {
  private readonly logger = new Logger(RoutingWarmer.name);
  private readonly duration: Histogram<'trigger'>;
  private readonly warmedKeys: Counter<'outcome'>;
  private running?: Promise<WarmKeysResult>;

  constructor(
    private readonly reader: RoutingCacheReader,
    private readonly hotKeys: HotKeyTracker,
    private readonly stats: RoutingStatsRepository,
    @Optional() @Inject(CACHE_METRICS_REGISTRY) registry?: Registry | null,
  ) {
    const registers = [registry ?? new Registry()];
    this.duration = new Histogram({
      name: 'warming_duration_seconds',
      help: 'How long one cache warming run took',
      labelNames: ['trigger'],
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers,
    });
    this.warmedKeys = new Counter({
      name: 'warming_keys_total',
      help: 'Keys refreshed by cache warming, by outcome (warmed, failed)',
      labelNames: ['outcome'],
      registers,
    });
  }

  onApplicationBootstrap(): void {
    void this.warmBusiest().catch((error: unknown) =>
      this.logger.warn({ err: String(error) }, 'Startup warming failed; the cron retries from traffic'),
    );
  }

  /** Refreshes the keys the detector predicts hot. */
  @Cron(ROUTING_WARM_CRON)
  warmPredicted(): Promise<WarmKeysResult> {
    if (this.running) return this.running; // a cron tick never queues behind a run still going
    return this.warm(
      this.hotKeys.hottest(ROUTING_WARMING.topKeys).map((hot) => hot.key),
      'cron',
    );
  }

  /** Refreshes the busiest states' routes and buyers of the recent statistics (startup, CLI). */
  async warmBusiest(onProgress?: (done: number, total: number) => void): Promise<WarmKeysResult> {
    return this.warm(await this.busiestKeys(), 'startup', onProgress);
  }

  /** Namespace keys of the busiest states and buyers since the look-back. */
  async busiestKeys(limit: number = ROUTING_WARMING.topKeys): Promise<string[]> {
    const since = new Date(Date.now() - ROUTING_WARMING.startupLookbackMs);
    const { states, buyers } = await this.stats.busiestSince(since, limit);
    return [
      ...states.map((s) => RoutingNamespaceKeys.geo(s.key)),
      ...buyers.map((b) => RoutingNamespaceKeys.buyer(b.key)),
    ];
  }

  /** Refreshes `keys`, one run at a time (a run waits for the one still going). */
  warm(
    keys: readonly string[],
    trigger: string,
    onProgress?: (done: number, total: number) => void,
  ): Promise<WarmKeysResult> {
    const previous = this.running ?? Promise.resolve();
    const run: Promise<WarmKeysResult> = previous
      .catch(() => undefined)
      .then(async () => {
        const stop = this.duration.startTimer({ trigger });
        try {
          const result = await warmKeys({
            keys,
            refresh: (key) => this.reader.refresh(key),
            concurrency: ROUTING_WARMING.concurrency,
            onProgress,
          });
          this.warmedKeys.inc({ outcome: 'warmed' }, result.warmed);
          this.warmedKeys.inc({ outcome: 'failed' }, result.failed);
          return result;
        } finally {
          stop();
          if (this.running === run) this.running = undefined;
        }
      });
    this.running = run;
    return run;
  }
}
