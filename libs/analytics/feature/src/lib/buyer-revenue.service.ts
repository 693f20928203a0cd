import { Injectable } from '@nestjs/common';
import { CallRevenueRepository } from '@platform/analytics-data-access';
import { BuyerRoutingProfile, RoutingProfileClient } from '@platform/routing-client';
import { ValidationFailedError } from '@platform/service-kit';

/** A buyer's revenue over a period, with the routing criteria it was earned under. */
export interface BuyerRevenueView {
  buyerId: string;
  /** `YYYY-MM` (a UTC month) or `YYYY-MM-DD` (a UTC day). */
  period: string;
  calls: number;
  connectedCalls: number;
  revenueCents: number;
  /** The buyer's routing criteria now, from the routing service; null when it has none. */
  routing: Pick<BuyerRoutingProfile, 'active' | 'priority' | 'states' | 'version'> | null;
}

/** `YYYY-MM` or `YYYY-MM-DD`. */
export const REVENUE_PERIOD_PATTERN = /^\d{4}-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?$/;

/** The UTC window `[from, to)` of a period, or undefined when it is not a real month or day. */
export function periodWindow(period: string): { from: Date; to: Date } | undefined {
  if (!REVENUE_PERIOD_PATTERN.test(period)) return undefined;
  const [year, month, day] = period.split('-').map(Number);
  if (day === undefined) {
    return { from: new Date(Date.UTC(year, month - 1, 1)), to: new Date(Date.UTC(year, month, 1)) };
  }
  const from = new Date(Date.UTC(year, month - 1, day));
  if (from.getUTCMonth() !== month - 1) return undefined; // e.g. 2025-02-30
  return { from, to: new Date(Date.UTC(year, month - 1, day + 1)) };
}

/**
 * The `analytics:revenue:{buyerID}:{period}` view: revenue from call records plus the buyer's routing
 * criteria from the routing service. It is cached once, as the HTTP response of `BuyerRevenueController`
 * (tag and surrogate key `analytics:revenue:{buyerID}`, which `analytics.call.recorded.v1` and
 * `routing.buyer.changed.v1` invalidate). Not a second time here: a nested copy of the view under the same
 * name could refill the response cache with the pre-write value after the invalidation.
 */
@Injectable()
export class BuyerRevenueService {
  constructor(
    private readonly revenue: CallRevenueRepository,
    private readonly routing: RoutingProfileClient,
  ) {}

  /** The view, built from the database; `VALIDATION.FAILED` for a period that is not a real date. */
  async get(buyerId: string, period: string): Promise<BuyerRevenueView> {
    const window = periodWindow(period);
    if (!window) {
      throw new ValidationFailedError([
        { field: 'period', message: 'must be a real month (YYYY-MM) or day (YYYY-MM-DD)' },
      ]);
    }
    return this.load(buyerId, period, window);
  }

  private async load(
    buyerId: string,
    period: string,
    window: { from: Date; to: Date },
  ): Promise<BuyerRevenueView> {
    const [totals, profile] = await Promise.all([
      this.revenue.buyerRevenue(buyerId, window.from, window.to),
      this.routing.get(buyerId),
    ]);
    return {
      buyerId,
      period,
      ...totals,
      routing: profile
        ? {
            active: profile.active,
            priority: profile.priority,
            states: profile.states,
            version: profile.version,
          }
        : null,
    };
  }
}
