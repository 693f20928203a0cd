import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { BidRepository } from '@platform/bid-data-access';
import type { TieredCache } from '@platform/cache';
import { CACHE_INSTANCE } from '@platform/cache/nest';
import type { ServiceConfig } from '@platform/config';
import { SERVICE_CONFIG } from '@platform/service-kit';
import { BuyerActiveBidsService } from './buyer-active-bids.service';

/**
 * How many top buyers (by active bid value) to pre-warm: `BID_WARM_TOP_BUYERS`, default 100, 0 = off. Throws
 * naming the variable when it is not a whole number ≥ 0, so a typo fails the boot instead of warming 100.
 */
export function warmTopBuyers(env: ServiceConfig['vars']): number {
  const raw = env['BID_WARM_TOP_BUYERS'];
  if (raw === undefined || raw === '') return 100;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`BID_WARM_TOP_BUYERS must be an integer ≥ 0, got "${raw}"`);
  }
  return value;
}

/** Most buyer views loaded at once while warming, so a cold start cannot flood Postgres or routing. */
export const WARM_CONCURRENCY = 4;

/**
 * Pre-warms `bids:buyer:{buyerID}:active` for the top N buyers by active bid value, at startup (in the
 * background: startup never waits for it nor fails because of it) and every 5 minutes, a few at a time.
 */
@Injectable()
export class BidWarmerJob implements OnApplicationBootstrap {
  private readonly logger = new Logger(BidWarmerJob.name);
  private running = false;

  private readonly topBuyers: number;

  constructor(
    private readonly bids: BidRepository,
    private readonly views: BuyerActiveBidsService,
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
    @Inject(CACHE_INSTANCE) private readonly cache: TieredCache,
  ) {
    this.topBuyers = warmTopBuyers(config.vars);
  }

  onApplicationBootstrap(): void {
    void this.run();
  }

  /** One scheduled warming pass over the top `BID_WARM_TOP_BUYERS` buyers (no argument: the scheduler passes its own). */
  @Cron(CronExpression.EVERY_5_MINUTES, { name: 'bid-warm' })
  run(): Promise<number> {
    return this.warm(this.topBuyers);
  }

  /**
   * One warming pass over the top `limit` buyers; resolves how many views were warmed. Never throws. Nothing
   * with the cache off (`CACHE_ENABLED=false`): every view would be loaded from Postgres and routing only to be
   * dropped, and the ranking query scans the active bids (in bench:load it was most of an idle instance's CPU).
   */
  async warm(limit: number): Promise<number> {
    if (this.running || limit === 0 || !this.cache.enabled) return 0;
    this.running = true;
    let warmed = 0;
    try {
      const queue = await this.bids.topBuyersByActiveValue(limit);
      const worker = async () => {
        for (let buyerId = queue.shift(); buyerId !== undefined; buyerId = queue.shift()) {
          await this.views.get(buyerId).then(
            () => warmed++,
            () => undefined, // one buyer's failure (routing down) does not stop the others
          );
        }
      };
      await Promise.all(Array.from({ length: WARM_CONCURRENCY }, worker));
      return warmed;
    } catch (error) {
      this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'Bid warming failed');
      return warmed;
    } finally {
      this.running = false;
    }
  }
}
