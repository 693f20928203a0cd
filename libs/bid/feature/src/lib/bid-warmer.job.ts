import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { BidRepository } from '@platform/bid-data-access';
import { BuyerActiveBidsService } from './buyer-active-bids.service';

/** How many top buyers (by active bid value) to pre-warm: `BID_WARM_TOP_BUYERS`, default 100, 0 = off. */
export const warmTopBuyers = (): number => {
  const value = Number(process.env['BID_WARM_TOP_BUYERS'] ?? 100);
  return Number.isInteger(value) && value >= 0 ? value : 100;
};

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

  constructor(
    private readonly bids: BidRepository,
    private readonly views: BuyerActiveBidsService,
  ) {}

  onApplicationBootstrap(): void {
    void this.run();
  }

  /** One warming pass; resolves how many views were warmed. Never throws. */
  @Cron(CronExpression.EVERY_5_MINUTES, { name: 'bid-warm' })
  async run(): Promise<number> {
    const limit = warmTopBuyers();
    if (this.running || limit === 0) return 0;
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
