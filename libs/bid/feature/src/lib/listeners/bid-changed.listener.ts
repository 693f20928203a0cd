import { Injectable, Logger } from '@nestjs/common';
import { BidChanged, Topic } from '@platform/contracts';
import { ConsumeEvent, EventInvalidator } from '@platform/service-kit';
import { bidChangedInvalidation } from './bid-invalidation.map';

/**
 * Evicts this service's own bid caches when a bid changes. Every instance's writes go through the outbox
 * to `bid.bid.changed.v1`, so the consumer is the one place that invalidates, for every instance at once.
 */
@Injectable()
export class BidChangedListener {
  private readonly logger = new Logger(BidChangedListener.name);

  constructor(private readonly invalidator: EventInvalidator) {}

  /** Validated, deduplicated by `eventId` and recorded by the service's consumer. */
  @ConsumeEvent(Topic.BidChanged, BidChanged.Value)
  async handle(event: BidChanged.Value): Promise<void> {
    const plan = await this.invalidator.invalidate(bidChangedInvalidation, event);
    this.logger.debug(
      { eventId: event.eventId, bidId: event.entityId, op: event.op, evicted: plan.keys },
      'Bid changed',
    );
  }
}
