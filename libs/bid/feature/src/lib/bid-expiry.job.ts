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
  private current: Promise<number> | undefined;
  private next: Promise<number> | undefined;

  constructor(private readonly bids: BidService) {}

  /**
   * One run, never two at once. A call while a run is going waits for it and then runs once more (calls in
   * the meantime share that one), so a caller's answer always covers the bids overdue when it called: a
   * cron tick that lands during a long run, or a test's run that lands during the cron's, is not skipped.
   * Never throws (the next run retries). `now` defaults to the time the run starts.
   */
  @Cron(CronExpression.EVERY_10_SECONDS, { name: 'bid-expiry' })
  run(now?: Date): Promise<number> {
    if (this.current === undefined) {
      this.current = this.once(now ?? new Date()).finally(() => (this.current = undefined));
      return this.current;
    }
    this.next ??= this.current.then(() => {
      this.next = undefined;
      return this.run(now);
    });
    return this.next;
  }

  private async once(now: Date): Promise<number> {
    try {
      const expired = await this.bids.expireOverdue({ now, limit: BID_EXPIRY_BATCH });
      if (expired > 0) this.logger.log({ expired }, 'Expired overdue bids');
      return expired;
    } catch (error) {
      this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'Bid expiry failed');
      return 0;
    }
  }
}
