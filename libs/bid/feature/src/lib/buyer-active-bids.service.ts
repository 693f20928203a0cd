import { Injectable } from '@nestjs/common';
import type { Cache } from '@platform/cache';
import { InjectCache } from '@platform/cache/nest';
import { BuyerRoutingProfile, RoutingProfileClient } from '@platform/routing-client';
import { MAX_PAGE_LIMIT } from '@platform/service-kit';
import { BidService } from './bid.service';
import { BidView } from './bid.mapper';
import { BID_CACHE_NAMESPACES, BidCacheKeys, BidsNamespaceKeys } from './cache/bid-cache.keys';
import { BidReadTracker } from './cache/bid-read.tracker';

/** An open bid and whether the buyer's routing criteria let it compete. */
export interface ActiveBidView extends BidView {
  /** The buyer is active in routing and the amount reaches its minimum bid. */
  eligible: boolean;
}

/** A buyer's active bids, judged against its routing criteria. */
export interface BuyerActiveBidsView {
  buyerId: string;
  /** The buyer's routing criteria as the routing service has them; null when it has none. */
  routing: Pick<BuyerRoutingProfile, 'active' | 'minBidCents' | 'states' | 'priority' | 'version'> | null;
  bids: ActiveBidView[];
}

/**
 * The `bids:buyer:{buyerID}:active` view: the buyer's active bids (newest first, at most
 * {@link MAX_PAGE_LIMIT}) with their eligibility under the buyer's routing criteria, read from
 * the routing service. It depends on bid data and routing data alike, so both `bid.bid.changed.v1` and
 * `routing.buyer.changed.v1` evict it (see the bid service's invalidation map).
 */
@Injectable()
export class BuyerActiveBidsService {
  constructor(
    private readonly bids: BidService,
    private readonly routing: RoutingProfileClient,
    @InjectCache(BID_CACHE_NAMESPACES.bids.namespace) private readonly cache: Cache<BuyerActiveBidsView>,
    private readonly reads: BidReadTracker,
  ) {}

  /** The view, from the cache when it has it. */
  get(buyerId: string): Promise<BuyerActiveBidsView> {
    this.reads.record(BidCacheKeys.activeByBuyer(buyerId));
    return this.cache.getOrSet(BidsNamespaceKeys.activeByBuyer(buyerId), () => this.load(buyerId));
  }

  /**
   * Reloads the view into L2 and this instance's L1, unless a change evicts it while it loads (the engine then
   * drops the value). For the refill after a change.
   */
  async reload(buyerId: string): Promise<void> {
    await this.cache.refresh(BidsNamespaceKeys.activeByBuyer(buyerId), () => this.load(buyerId));
  }

  private async load(buyerId: string): Promise<BuyerActiveBidsView> {
    const [profile, active] = await Promise.all([
      this.routing.get(buyerId),
      this.bids.list({ buyerId, status: 'active', limit: MAX_PAGE_LIMIT }),
    ]);
    return {
      buyerId,
      routing: profile
        ? {
            active: profile.active,
            minBidCents: profile.minBidCents,
            states: profile.states,
            priority: profile.priority,
            version: profile.version,
          }
        : null,
      bids: active.map((bid) => ({
        ...bid,
        eligible: profile !== null && profile.active && bid.amountCents >= profile.minBidCents,
      })),
    };
  }
}
