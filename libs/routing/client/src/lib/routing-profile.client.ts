import { Inject, Injectable, OnApplicationShutdown, Optional } from '@nestjs/common';
import type { Cache } from '@platform/cache';
import { InjectCache } from '@platform/cache/nest';
import type { ServiceConfig } from '@platform/config';
import type { routingV1 } from '@platform/proto';
import { createGrpcClient, GrpcClient, SERVICE_CONFIG, ServiceCredentials } from '@platform/service-kit';
import { ROUTING_PEER, ROUTING_PROFILE_CACHE } from './routing-client.constants';

/** What other services need to know of a buyer's routing criteria. */
export interface BuyerRoutingProfile {
  buyerId: string;
  states: string[];
  minBidCents: number;
  maxConcurrentCalls: number;
  priority: number;
  active: boolean;
  version: number;
  /** IANA time zone of the calling hours (absent from routing versions before it existed). */
  timeZone?: string;
  /** Calling hours `HH:MM` in `timeZone`; the end is exclusive (`24:00`: to midnight). */
  hoursStart?: string;
  hoursEnd?: string;
  /** Most calls routed per UTC day; null: no cap. */
  dailyCap?: number | null;
}

/**
 * Reads buyers' routing profiles from the routing service over gRPC (`ROUTING_GRPC_ADDRESS`), cache-aside
 * in the calling service's cache under `routing:buyer:{buyerID}` (null, "no criteria", is cached too).
 * Provided by {@link RoutingClientModule}. A routing outage rejects with `ROUTING.UNAVAILABLE` (503).
 *
 * Routing answers `getBuyerCriteria` from Postgres, not from its own cache: this copy is evicted by the caller's
 * `routing.buyer.changed.v1` consumer, in no order with routing's own eviction, and a refill from routing's
 * not-yet-evicted cache would keep the replaced value for the whole TTL. The event goes out after commit,
 * so a refill after the eviction reads the change.
 */
@Injectable()
export class RoutingProfileClient implements OnApplicationShutdown {
  private client?: GrpcClient;
  private readonly address: string;

  constructor(
    @InjectCache(ROUTING_PROFILE_CACHE.namespace) private readonly cache: Cache<BuyerRoutingProfile | null>,
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
    // The calling service's own token on every call (none when auth is off, or outside a service kit app).
    @Optional() private readonly credentials?: ServiceCredentials,
  ) {
    const address = config.peers[ROUTING_PEER.name];
    if (address === undefined) {
      throw new Error(
        `RoutingProfileClient: ${config.name} does not declare routing as a peer; add ROUTING_PEER to its defaults.peers`,
      );
    }
    this.address = address;
  }

  /** The buyer's routing profile, or null when the buyer has no criteria. */
  get(buyerId: string): Promise<BuyerRoutingProfile | null> {
    return this.cache.getOrSet(buyerId, () => this.fetch(buyerId));
  }

  onApplicationShutdown(): void {
    this.client?.close();
  }

  private async fetch(buyerId: string): Promise<BuyerRoutingProfile | null> {
    this.client ??= createGrpcClient('routing', this.address, {
      authorization: () => this.credentials?.authorization() ?? Promise.resolve(undefined),
    });
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
      timeZone: criteria.timeZone,
      hoursStart: criteria.hoursStart,
      hoursEnd: criteria.hoursEnd,
      dailyCap: criteria.dailyCap ?? null,
    };
  }
}
