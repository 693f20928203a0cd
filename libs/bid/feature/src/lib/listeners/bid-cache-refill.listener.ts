import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { KeyRefiller } from '@platform/cache';
import type { ServiceConfig } from '@platform/config';
import { BidChanged, BuyerRoutingChanged, Topic } from '@platform/contracts';
import { ConsumeEvent, errorMessage, SERVICE_CONFIG } from '@platform/service-kit';
import { BidService } from '../bid.service';
import { BuyerActiveBidsService } from '../buyer-active-bids.service';
import { BidCacheKeys } from '../cache/bid-cache.keys';
import { BidReadTracker } from '../cache/bid-read.tracker';

/**
 * Refills the entries a change evicted, right after the eviction, when someone read them lately on this
 * instance: `bid:{bidID}` and `bids:buyer:{buyerID}:active`. The eviction stays (it is what keeps every
 * instance and L2 correct); the refill only saves the next reader the miss. Writes fall on the same hot keys
 * the reads do, so without it each write turned the next read of its keys into a miss, twice: after the
 * writer's on-commit eviction and again after the Kafka consumer's.
 *
 * Both refills go through `Cache.refresh`, which reads Postgres after the eviction and stores the value only if
 * no later change of the key was applied on any instance while it loaded. Cache off: nothing to refill.
 *
 * No refill after the engine's L2 repair (`l2:repaired`): the repair deletes a key only while L2 still holds
 * this instance's own raced fill, so it can no longer take another instance's refill out of L2.
 */
@Injectable()
export class BidCacheRefillListener implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(BidCacheRefillListener.name);
  private readonly refiller = new KeyRefiller((key, error) =>
    this.logger.debug({ key, err: errorMessage(error) }, 'Refill failed'),
  );
  private readonly enabled: boolean;
  private stop?: () => void;

  constructor(
    private readonly bids: BidService,
    private readonly views: BuyerActiveBidsService,
    private readonly reads: BidReadTracker,
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
  ) {
    this.enabled = config.cache.enabled;
  }

  onModuleInit(): void {
    // The writer: its own eviction on commit is done when the change is reported.
    this.stop = this.bids.onChanged(({ before, after }) => this.afterBidChange(before, after));
  }

  onModuleDestroy(): void {
    this.stop?.();
  }

  /** After the consumer's eviction of a bid change (the consumer runs handlers once the batch is evicted). */
  @ConsumeEvent(Topic.BidChanged, BidChanged.Value)
  onBidChanged(event: BidChanged.Value): void {
    this.afterBidChange(event.before, event.after);
  }

  /** After the consumer's eviction of a buyer's routing change: the buyer's active bids view. */
  @ConsumeEvent(Topic.BuyerRoutingChanged, BuyerRoutingChanged.Value)
  onBuyerRoutingChanged(event: BuyerRoutingChanged.Value): void {
    this.refillActive(event.entityId);
  }

  private afterBidChange(
    before: { buyerId: string } | null,
    after: { id: string; buyerId: string } | null,
  ): void {
    if (!this.enabled) return;
    // A deleted bid has nothing to reload.
    if (after !== null) {
      const key = BidCacheKeys.bid(after.id);
      if (this.reads.wasRead(key)) this.refiller.refill(key, () => this.bids.reload(after.id));
    }
    for (const buyerId of new Set([before?.buyerId, after?.buyerId]))
      if (buyerId !== undefined) this.refillActive(buyerId);
  }

  private refillActive(buyerId: string): void {
    if (!this.enabled) return;
    const key = BidCacheKeys.activeByBuyer(buyerId);
    if (this.reads.wasRead(key)) this.refiller.refill(key, () => this.views.reload(buyerId));
  }
}
