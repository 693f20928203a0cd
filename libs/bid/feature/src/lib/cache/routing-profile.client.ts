import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { TieredCache } from '@platform/cache';
import { CACHE_INSTANCE } from '@platform/cache/nest';
import type { ServiceConfig } from '@platform/config';
import type { routingV1 } from '@platform/proto';
import { createGrpcClient, GrpcClient, SERVICE_CONFIG, unwrapLoaderError } from '@platform/service-kit';
import { BID_CACHE_TTL, BidCacheKeys } from './bid-cache.keys';

/** What the bid service needs to know of a buyer's routing criteria. */
export interface BuyerRoutingProfile {
  buyerId: string;
  states: string[];
  minBidCents: number;
  maxConcurrentCalls: number;
  priority: number;
  active: boolean;
  version: number;
}

/**
 * Reads buyers' routing profiles from the routing service over gRPC, cache-aside under
 * `routing:buyer:{buyerID}` (null, "no criteria", is cached too). The copy is evicted by the
 * `routing.buyer.changed.v1` listener, so it is never older than the invalidation lag.
 */
@Injectable()
export class RoutingProfileClient implements OnApplicationShutdown {
  private client?: GrpcClient;

  constructor(
    @Inject(CACHE_INSTANCE) private readonly cache: TieredCache,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
  ) {}

  /** The buyer's routing profile, or null when the buyer has no criteria; `ROUTING.UNAVAILABLE` (503) on outage. */
  async get(buyerId: string): Promise<BuyerRoutingProfile | null> {
    try {
      return (await this.cache.getOrSet(BidCacheKeys.buyerRouting(buyerId), () => this.fetch(buyerId), {
        ttl: BID_CACHE_TTL.routing,
      })) as BuyerRoutingProfile | null;
    } catch (error) {
      throw unwrapLoaderError(error);
    }
  }

  onApplicationShutdown(): void {
    this.client?.close();
  }

  private async fetch(buyerId: string): Promise<BuyerRoutingProfile | null> {
    this.client ??= createGrpcClient('routing', this.config.peers.routingGrpc);
    const reply = await this.client.call<routingV1.GetBuyerCriteriaResponse>('getBuyerCriteria', { buyerId });
    const criteria = reply?.criteria;
    if (!criteria) return null;
    return {
      buyerId: criteria.buyerId,
      states: criteria.states,
      minBidCents: criteria.minBidCents,
      maxConcurrentCalls: criteria.maxConcurrentCalls,
      priority: criteria.priority,
      active: criteria.active,
      version: criteria.version,
    };
  }
}
