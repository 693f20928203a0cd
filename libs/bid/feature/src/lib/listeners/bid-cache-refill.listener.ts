import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { KeyRefiller, type CacheEvents, type TieredCache } from '@platform/cache';
import { CACHE_INSTANCE } from '@platform/cache/nest';
import type { ServiceConfig } from '@platform/config';
import { BidChanged, BuyerRoutingChanged, Topic } from '@platform/contracts';
import { ConsumeEvent, SERVICE_CONFIG } from '@platform/service-kit';
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
 * One more refill: the engine deletes again from L2 what this instance filled shortly before another
 * instance's invalidation of it arrived (`l2:repaired`: its fill may have read the source before the change).
 * That delete can land after the consumer's refill on the other instance and take it out of L2 too; so a key
 * read lately is refilled here once more after the repair.
 */
@Injectable()
export class BidCacheRefillListener implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(BidCacheRefillListener.name);
  private readonly refiller = new KeyRefiller((key, error) =>
    this.logger.debug({ key, err: error instanceof Error ? error.message : String(error) }, 'Refill failed'),
  );
  private readonly enabled: boolean;
  /** The service's key prefix (full keys are `{prefix}bid:{bidID}`, `{prefix}bids:buyer:{buyerID}:active`). */
  private readonly prefix: string;
  private readonly stops: (() => void)[] = [];

  constructor(
    private readonly bids: BidService,
    private readonly views: BuyerActiveBidsService,
    private readonly reads: BidReadTracker,
    @Inject(CACHE_INSTANCE) private readonly cache: TieredCache,
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
  ) {
    this.enabled = config.cache.enabled;
    this.prefix = config.cache.prefix;
  }

  onModuleInit(): void {
    // The writer: its own eviction on commit is done when the change is reported.
    this.stops.push(this.bids.onChanged(({ before, after }) => this.afterBidChange([before, after])));
    const repaired = ({ keys }: CacheEvents['l2:repaired']) => {
      for (const full of keys)
        if (full.startsWith(this.prefix)) this.refillRepaired(full.slice(this.prefix.length));
    };
    this.cache.on('l2:repaired', repaired);
    this.stops.push(() => this.cache.off('l2:repaired', repaired));
  }

  onModuleDestroy(): void {
    for (const stop of this.stops) stop();
  }

  /** After the consumer's eviction of a bid change (the consumer runs handlers once the batch is evicted). */
  @ConsumeEvent(Topic.BidChanged, BidChanged.Value)
  onBidChanged(event: BidChanged.Value): void {
    this.afterBidChange([event.before, event.after]);
  }

  /** After the consumer's eviction of a buyer's routing change: the buyer's active bids view. */
  @ConsumeEvent(Topic.BuyerRoutingChanged, BuyerRoutingChanged.Value)
  onBuyerRoutingChanged(event: BuyerRoutingChanged.Value): void {
    this.refillActive(event.entityId);
  }

  private afterBidChange(states: readonly ({ id: string; buyerId: string } | null)[]): void {
    if (!this.enabled) return;
    const after = states[states.length - 1];
    // A deleted bid has nothing to reload.
    if (after !== null) this.refillBid(after.id);
    for (const buyerId of new Set(states.flatMap((state) => (state ? [state.buyerId] : []))))
      this.refillActive(buyerId);
  }

  /** A key the engine's repair deleted from L2 (`bid:{bidID}` or `bids:buyer:{buyerID}:active`). */
  private refillRepaired(name: string): void {
    const bid = /^bid:(.+)$/.exec(name);
    if (bid) return this.refillBid(bid[1]);
    const active = /^bids:buyer:(.+):active$/.exec(name);
    if (active) this.refillActive(active[1]);
  }

  private refillBid(id: string): void {
    if (!this.enabled) return;
    const key = BidCacheKeys.bid(id);
    if (this.reads.wasRead(key)) this.refiller.refill(key, () => this.bids.reload(id));
  }

  private refillActive(buyerId: string): void {
    if (!this.enabled) return;
    const key = BidCacheKeys.activeByBuyer(buyerId);
    if (this.reads.wasRead(key)) this.refiller.refill(key, () => this.views.reload(buyerId));
  }
}
