import { Injectable } from '@nestjs/common';
import { RoutingCacheReader } from '../cache/routing-cache.reader';
import { DecideRouteDto } from '../dto/route-decision.dto';
import { RoutingStatsAggregator } from '../stats/routing-stats.aggregator';
import { rankEligible, RouteCandidate } from './rank-eligible';

/** Default number of buyers a decision returns. */
export const DEFAULT_DECISION_LIMIT = 10;

/** A route decision: the eligible buyers in rank order (the first one gets the call). */
export interface RouteDecision {
  state: string;
  at: string;
  buyers: (Pick<RouteCandidate, 'buyerId' | 'priority' | 'minBidCents'> & { rank: number })[];
}

/**
 * Decides where a call goes: reads the state's precomputed route (`routing:geo:{state}`, one L1 hit when
 * warm), keeps the buyers within their hours, under their daily cap and whose floor the bid meets, and
 * counts the decision for the hourly statistics (in memory, written in the background).
 */
@Injectable()
export class RouteDecisionService {
  constructor(
    private readonly reader: RoutingCacheReader,
    private readonly stats: RoutingStatsAggregator,
  ) {}

  async decide(input: DecideRouteDto): Promise<RouteDecision> {
    const atMs = input.at === undefined ? Date.now() : Date.parse(input.at);
    const eligible = rankEligible({
      candidates: await this.reader.route(input.state),
      atMs,
      bidCents: input.bidCents,
      routedToday: (buyerId) => this.stats.routedToday(buyerId),
      limit: input.limit ?? DEFAULT_DECISION_LIMIT,
    });
    this.stats.record(input.state, eligible[0]?.buyerId ?? '', atMs);
    return {
      state: input.state,
      at: new Date(atMs).toISOString(),
      buyers: eligible.map((c, i) => ({
        rank: i + 1,
        buyerId: c.buyerId,
        priority: c.priority,
        minBidCents: c.minBidCents,
      })),
    };
  }
}
