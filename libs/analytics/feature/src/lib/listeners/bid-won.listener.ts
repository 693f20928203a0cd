import { Inject, Injectable, Logger } from '@nestjs/common';
import { CacheInvalidator } from '@platform/cache/nest';
import { BidChanged, Topic } from '@platform/contracts';
import type { ServiceConfig } from '@platform/config';
import { ConsumeEvent, SERVICE_CONFIG } from '@platform/service-kit';
import { AnalyticsService, type SoldCallInput } from '../analytics.service';
import { AnalyticsCacheKeys } from '../cache/analytics-cache.keys';

/** Currency of `revenue_cents`: bids in another currency are not recorded (analytics keeps one currency). */
export const REVENUE_CURRENCY = 'USD';

/** Longest `callId` / `buyerId` a call record holds. */
const MAX_ID_LENGTH = 64;

/**
 * Whether calls are recorded from won bids (`ANALYTICS_CALLS_FROM_BIDS`, `true` by default): `false` for a
 * deployment where the telephony platform reports every call over REST/gRPC and the bid feed is not wanted.
 */
export function callsFromBids(env: ServiceConfig['vars']): boolean {
  const raw = env['ANALYTICS_CALLS_FROM_BIDS'];
  if (raw === undefined || raw === '' || raw === 'true') return true;
  if (raw === 'false') return false;
  throw new Error(`ANALYTICS_CALLS_FROM_BIDS must be true or false, got "${raw}"`);
}

/**
 * The call a bid change sold, or `undefined`: a bid that moved to `won` (from any other status) in
 * {@link REVENUE_CURRENCY} is a sold call (its callId, its buyer, revenue = the bid's amount, sold when the
 * event occurred).
 */
export function soldCallOf(event: BidChanged.Value): SoldCallInput | undefined {
  const bid = event.after;
  if (bid?.status !== 'won' || event.before?.status === 'won' || bid.currency !== REVENUE_CURRENCY) {
    return undefined;
  }
  if (bid.callId.length > MAX_ID_LENGTH || bid.buyerId.length > MAX_ID_LENGTH) return undefined;
  return {
    callId: bid.callId,
    buyerId: bid.buyerId,
    revenueCents: bid.amountCents,
    soldAt: event.occurredAt,
  };
}

/**
 * Records the calls other services sell: each bid that moves to `won` (`bid.bid.changed.v1`) becomes a call
 * record (once per `eventId` through the consumer's inbox, once per `callId` in Postgres) counted in its
 * hour, and then the views it changed are evicted on every instance and at the edge: its hour's metrics and
 * its buyer's revenue. Evicting after the record commits (not in the invalidation map, which runs before this
 * handler) is what keeps a read between the two from caching the old figures. A retried delivery evicts again.
 */
@Injectable()
export class BidWonListener {
  private readonly logger = new Logger(BidWonListener.name);
  private readonly enabled: boolean;

  constructor(
    private readonly analytics: AnalyticsService,
    private readonly invalidator: CacheInvalidator,
    @Inject(SERVICE_CONFIG) config: ServiceConfig,
  ) {
    this.enabled = callsFromBids(config.vars);
  }

  /** Records the sold call of a won bid; other bid changes are ignored. */
  @ConsumeEvent(Topic.BidChanged, BidChanged.Value)
  async onBidChanged(event: BidChanged.Value): Promise<void> {
    if (!this.enabled) return;
    const sold = soldCallOf(event);
    if (sold === undefined) {
      if (event.after?.status === 'won' && event.before?.status !== 'won') {
        this.logger.warn(
          { eventId: event.eventId },
          'won bid not recorded as a call (currency or id length)',
        );
      }
      return;
    }
    await this.analytics.recordSold(sold);
    await this.invalidator.invalidate({
      keys: [AnalyticsCacheKeys.callsAt(sold.soldAt)],
      tags: [AnalyticsCacheKeys.revenueTag(sold.buyerId)],
    });
  }
}
