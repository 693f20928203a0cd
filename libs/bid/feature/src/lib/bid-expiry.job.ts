import { Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { BidService } from './bid.service';

/** Most bids one run expires; the next run takes the rest. */
export const BID_EXPIRY_BATCH = 500;

/**
 * Expires overdue active bids every 10 seconds, each through the outbox (so every instance's caches and
 * the other services drop them). Every instance runs it; the row lock makes a bid expire once.
 */
@Injectable()
export class BidExpiryJob {
  private readonly logger = new Logger(BidExpiryJob.name);
  private running = false;

  constructor(private readonly bids: BidService) {}

  /** One run; skipped while the previous one is still going. Never throws (the next run retries). */
  @Cron(CronExpression.EVERY_10_SECONDS, { name: 'bid-expiry' })
  async run(now = new Date()): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    try {
      const expired = await this.bids.expireOverdue({ now, limit: BID_EXPIRY_BATCH });
      if (expired > 0) this.logger.log({ expired }, 'Expired overdue bids');
      return expired;
    } catch (error) {
      this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'Bid expiry failed');
      return 0;
    } finally {
      this.running = false;
    }
  }
}
