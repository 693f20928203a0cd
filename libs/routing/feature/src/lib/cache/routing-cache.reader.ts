import { Injectable } from '@nestjs/common';
import type { Cache } from '@platform/cache';
import { InjectCache } from '@platform/cache/nest';
import { BuyerRoutingRepository, RoutingStatsRepository } from '@platform/routing-data-access';
import type { RouteCandidate } from '../decision/rank-eligible';
import { BuyerRoutingView, toBuyerRoutingView, toRouteCandidate } from '../routing.mapper';
import { HotKeyTracker } from '../warming/hot-key.tracker';
import { ROUTING_CACHE_NAMESPACE, RoutingNamespaceKeys } from './routing-cache.keys';

/** Calls routed in one UTC hour (`routing:stats:{hour}`). */
export interface RoutingHourStatsView {
  hour: string;
  calls: number;
  unrouted: number;
  states: { state: string; calls: number; unrouted: number }[];
  buyers: { buyerId: string; calls: number }[];
}

/** What the routing namespace holds. */
type RoutingCacheValue = BuyerRoutingView | null | RouteCandidate[] | RoutingHourStatsView;

/** `2026-12-05T14` → the Date of that UTC hour. */
export const hourStart = (hour: string): Date => new Date(`${hour}:00:00Z`);

/**
 * Every cached read of the routing service, cache-aside through the engine with the spec's keys and TTLs
 * (`routing:buyer:{buyerID}`, `routing:geo:{state}`, `routing:stats:{hour}`; L1 60 s, L2 15 min). Concurrent
 * misses of one key load once (per process, and across processes through the Redis lease). Buyer and route
 * reads are counted by the hot-key tracker, which the warmer refreshes from.
 */
@Injectable()
export class RoutingCacheReader {
  constructor(
    @InjectCache(ROUTING_CACHE_NAMESPACE.namespace) private readonly cache: Cache<RoutingCacheValue>,
    private readonly criteria: BuyerRoutingRepository,
    private readonly stats: RoutingStatsRepository,
    private readonly hotKeys: HotKeyTracker,
  ) {}

  /** A buyer's criteria, or null (cached too) when it has none. */
  async buyer(buyerId: string): Promise<BuyerRoutingView | null> {
    const key = RoutingNamespaceKeys.buyer(buyerId);
    this.hotKeys.record(key);
    return (await this.cache.getOrSet(key, () => this.loadBuyer(buyerId))) as BuyerRoutingView | null;
  }

  /** A state's precomputed route: its active buyers in rank order. */
  async route(state: string): Promise<RouteCandidate[]> {
    const key = RoutingNamespaceKeys.geo(state);
    this.hotKeys.record(key);
    return (await this.cache.getOrSet(key, () => this.loadRoute(state))) as RouteCandidate[];
  }

  /** The statistics of one UTC hour (`YYYY-MM-DDTHH`). */
  async hourStats(hour: string): Promise<RoutingHourStatsView> {
    return (await this.cache.getOrSet(RoutingNamespaceKeys.stats(hour), () =>
      this.loadStats(hour),
    )) as RoutingHourStatsView;
  }

  /** Drops the cached statistics of `hour` on every instance (after new counts were written). */
  async forgetHourStats(hour: string): Promise<void> {
    await this.cache.delete(RoutingNamespaceKeys.stats(hour));
  }

  /**
   * Reloads namespace keys (`buyer:{id}` or `geo:{state}`) from Postgres and stores them with fresh TTLs
   * in L2 and L1 (other instances drop their L1 copy and refill from L2). Unknown kinds are ignored.
   */
  async refresh(key: string): Promise<boolean> {
    const [kind, id] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
    // Not `set(key, await load())`: a change committed while loading would be overwritten by the old value.
    if (kind === 'buyer') await this.cache.refresh(key, () => this.loadBuyer(id));
    else if (kind === 'geo') await this.cache.refresh(key, () => this.loadRoute(id));
    else return false;
    return true;
  }

  private async loadBuyer(buyerId: string): Promise<BuyerRoutingView | null> {
    const found = await this.criteria.findByBuyerId(buyerId);
    return found ? toBuyerRoutingView(found) : null;
  }

  private async loadRoute(state: string): Promise<RouteCandidate[]> {
    return (await this.criteria.activeForState(state)).map(toRouteCandidate);
  }

  private async loadStats(hour: string): Promise<RoutingHourStatsView> {
    const rows = await this.stats.ofHour(hourStart(hour));
    const states = new Map<string, { state: string; calls: number; unrouted: number }>();
    const buyers = new Map<string, number>();
    for (const row of rows) {
      const state = states.get(row.state) ?? { state: row.state, calls: 0, unrouted: 0 };
      state.calls += row.calls;
      if (row.buyerId === '') state.unrouted += row.calls;
      else buyers.set(row.buyerId, (buyers.get(row.buyerId) ?? 0) + row.calls);
      states.set(row.state, state);
    }
    const all = [...states.values()];
    return {
      hour,
      calls: all.reduce((sum, s) => sum + s.calls, 0),
      unrouted: all.reduce((sum, s) => sum + s.unrouted, 0),
      states: all,
      buyers: [...buyers]
        .map(([buyerId, calls]) => ({ buyerId, calls }))
        .sort((a, b) => b.calls - a.calls || (a.buyerId < b.buyerId ? -1 : 1)),
    };
  }
}
