import { Inject, Injectable, OnApplicationShutdown, Provider } from '@nestjs/common';
import type { TieredCache, TtlOption } from '@platform/cache';
import { CACHE_INSTANCE } from '@platform/cache/nest';
import type { ServiceConfig } from '@platform/config';
import type { routingV1 } from '@platform/proto';
import { createGrpcClient, GrpcClient } from '../grpc/grpc-client';
import { SERVICE_CONFIG } from '../service-kit.constants';

/** What other services need to know of a buyer's routing criteria. */
export interface BuyerRoutingProfile {
  buyerId: string;
  states: string[];
  minBidCents: number;
  maxConcurrentCalls: number;
  priority: number;
  active: boolean;
  version: number;
}

/** Where a service keeps its copy of routing profiles: the key builder and TTLs of its own cache map. */
export interface RoutingProfileCachePolicy {
  key: (buyerId: string) => string;
  ttl: TtlOption;
}

const ROUTING_PROFILE_POLICY = Symbol('RoutingProfileCachePolicy');

/**
 * Reads buyers' routing profiles from the routing service over gRPC (`ROUTING_GRPC_ADDRESS`), cache-aside
 * under the consuming service's key (`routing:buyer:{buyerID}`; null, "no criteria", is cached too). The
 * copy is evicted by the service's `routing.buyer.changed.v1` listener, so it is never older than the
 * invalidation lag. Register it with {@link routingProfileClientProviders}.
 */
@Injectable()
export class RoutingProfileClient implements OnApplicationShutdown {
  private client?: GrpcClient;

  constructor(
    @Inject(CACHE_INSTANCE) private readonly cache: TieredCache,
    @Inject(SERVICE_CONFIG) private readonly config: ServiceConfig,
    @Inject(ROUTING_PROFILE_POLICY) private readonly policy: RoutingProfileCachePolicy,
  ) {}

  /** The buyer's routing profile, or null when the buyer has no criteria; `ROUTING.UNAVAILABLE` (503) on outage. */
  async get(buyerId: string): Promise<BuyerRoutingProfile | null> {
    return (await this.cache.getOrSet(this.policy.key(buyerId), () => this.fetch(buyerId), {
      ttl: this.policy.ttl,
    })) as BuyerRoutingProfile | null;
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

/** The providers of a {@link RoutingProfileClient} caching under the given policy. */
export const routingProfileClientProviders = (policy: RoutingProfileCachePolicy): Provider[] => [
  { provide: ROUTING_PROFILE_POLICY, useValue: policy },
  RoutingProfileClient,
];
