import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { KeyRefiller } from '@platform/cache';
import type { ServiceConfig } from '@platform/config';
import { BuyerRoutingChanged, Topic } from '@platform/contracts';
import { ConsumeEvent, errorMessage, SERVICE_CONFIG } from '@platform/service-kit';
import { RoutingNamespaceKeys } from '../cache/routing-cache.keys';
import { RoutingCacheReader } from '../cache/routing-cache.reader';
import { RoutingService } from '../routing.service';
import { HotKeyTracker } from '../warming/hot-key.tracker';

/**
 * Refills `routing:buyer:{buyerID}` right after a criteria change evicted it, when this instance read it in the
 * last minute. The eviction stays (it keeps every instance and L2 correct); the refill saves the next reader
 * the miss. The PUTs fall on the hot buyers the reads use, so without it each write turned the next read of
 * the buyer into a miss, twice: after the writer's on-commit eviction and again after the Kafka consumer's.
 *
 * `routing:geo:{state}` is evicted too but not refilled, by measurement: a route is ~2,000 buyers, every PUT
 * evicts two or three of the ten, and refilling them after each eviction (writer, consumer, repair) made
 * routing cost more CPU per request with the cache on than off in `bench:load` (3.88 vs 2.84 ms, see
 * apps/BENCHMARKS.md); a route is reloaded by the next decision that needs it instead.
 *
 * The buyer's key is always among those the invalidation map evicts for the event. Each refill goes through `Cache.refresh` (Postgres read after the eviction, stored only if no later change of the
 * key was applied on any instance meanwhile), at most one per key at a time. Cache off: nothing to do.
 *
 * No refill after the engine's L2 repair (`l2:repaired`): the repair deletes a key only while L2 still holds
 * this instance's own raced fill, so it can no longer take another instance's refill out of L2.
 */
@Injectable()
export class RoutingCacheRefillListener implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RoutingCacheRefillListener.name);
  private readonly refiller = new KeyRefiller((key, error) =>
    this.logger.debug({ key, err: errorMessage(error) }, 'Refill failed'),
  );
  private readonly enabled: boolean;
  private stop?: () => void;

  constructor(
    private readonly service: RoutingService,
    private readonly reader: RoutingCacheReader,
    private readonly hotKeys: HotKeyTracker,
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
  ) {
    this.enabled = config.cache.enabled;
  }

  onModuleInit(): void {
    // The writer: its own eviction on commit is done when the change is reported.
    this.stop = this.service.onChanged((event) => this.afterChange(event));
  }

  onModuleDestroy(): void {
    this.stop?.();
  }

  /** After the consumer's eviction (the consumer runs handlers once the batch is evicted). */
  @ConsumeEvent(Topic.BuyerRoutingChanged, BuyerRoutingChanged.Value)
  onBuyerRoutingChanged(event: BuyerRoutingChanged.Value): void {
    this.afterChange(event);
  }

  /** Refills the changed buyer's criteria if this instance read them lately. */
  private afterChange(event: BuyerRoutingChanged.Value): void {
    if (!this.enabled || event.after === null) return;
    const key = RoutingNamespaceKeys.buyer(event.after.buyerId);
    if (this.hotKeys.readLately(key)) this.refiller.refill(key, () => this.reader.refresh(key));
  }
}
